/*
 * A tenant's colour comes from its schema name alone, so it is the same in
 * every window, every run and every screenshot, and needs no stored setting.
 */

/** FNV-1a over the UTF-16 code units: small, fast, and spreads similar names apart. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** The hue (0–359) of a tenant, derived from its schema. */
export function tenantHue(schema: string): number {
  return fnv1a(schema) % 360
}

export interface TenantColors {
  hue: number
  /** Badge background. OKLCH keeps the perceived lightness equal across hues, so white text stays readable on yellow as on blue. */
  solid: string
  /** Banner background: a little darker than the badge, for large areas. */
  strong: string
  /** A light tint for highlighted rows and cards. */
  tint: string
}

/** The palette of one tenant. */
export function tenantColors(schema: string): TenantColors {
  const hue = tenantHue(schema)
  return {
    hue,
    solid: `oklch(0.5 0.14 ${hue})`,
    strong: `oklch(0.42 0.12 ${hue})`,
    tint: `oklch(0.96 0.03 ${hue})`,
  }
}

/** One or two letters for a badge: the initials of the name's first two words. */
export function tenantInitials(name: string, schema: string): string {
  const words = name.trim().split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w))
  const letters = words.slice(0, 2).map((w) => [...w.replace(/[^\p{L}\p{N}]/gu, '')][0] ?? '')
  const initials = letters.join('').toUpperCase()
  return initials.length > 0 ? initials : schema.slice(0, 2).toUpperCase()
}
