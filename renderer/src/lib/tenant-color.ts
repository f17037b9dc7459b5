/*
 * Tenant colours come from a fixed palette, handed out in the sidebar's
 * stable order (see tenant-order.ts): the first nine tenants — the ones with
 * Ctrl+1…9 — always get nine different colours. The palette was chosen for a
 * projector, where dark browns, maroons and olives blur into one: its smallest
 * CIEDE2000 distance between any two colours is 22 (tests/unit/renderer-tenant-colors.test.ts
 * measures it), and white initials keep a contrast of at least 3.5:1 on each.
 */

/** Badge colours, in the order they are handed out (blue, orange, green, pink, brown, crimson, purple, lavender, sky). */
export const TENANT_PALETTE = ['#1d4ed8', '#ea580c', '#15803d', '#ff0099', '#775500', '#aa0022', '#990099', '#9977bb', '#0088cc'] as const

/** FNV-1a over the UTF-16 code units: small, fast, and spreads similar names apart. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

export interface TenantColors {
  /** Which palette colour (0–8): the same in the badge, the banner, the row and the cards. */
  index: number
  /** Badge background, under white initials. */
  solid: string
  /** Banner background: a little darker than the badge, for large areas under white text. */
  strong: string
  /** A light tint for highlighted rows and cards. */
  tint: string
}

/** The colours of palette slot `index` (any integer: slots repeat past the ninth). */
export function paletteColors(index: number): TenantColors {
  const slot = ((index % TENANT_PALETTE.length) + TENANT_PALETTE.length) % TENANT_PALETTE.length
  const solid = TENANT_PALETTE[slot] as string
  return {
    index: slot,
    solid,
    strong: `color-mix(in oklab, ${solid} 80%, black)`,
    tint: `color-mix(in oklab, ${solid} 10%, white)`,
  }
}

/** The colour of a schema that has no place in the tenant order (a schema not in the list): from its name alone. */
export function fallbackColors(schema: string): TenantColors {
  return paletteColors(fnv1a(schema) % TENANT_PALETTE.length)
}

/** One or two letters for a badge: the initials of the name's first two words. */
export function tenantInitials(name: string, schema: string): string {
  const words = name.trim().split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w))
  const letters = words.slice(0, 2).map((w) => [...w.replace(/[^\p{L}\p{N}]/gu, '')][0] ?? '')
  const initials = letters.join('').toUpperCase()
  return initials.length > 0 ? initials : schema.slice(0, 2).toUpperCase()
}
