/*
 * CIEDE2000 colour difference (Sharma, Wu & Dalal 2005) between sRGB colours,
 * through CIE L*a*b* (D65). Test-side only: it measures the tenant palette.
 */

export interface Lab {
  L: number
  a: number
  b: number
}

function linear(channel: number): number {
  const c = channel / 255
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
}

/** `#rrggbb` → CIE L*a*b* (D65 white). */
export function hexToLab(hex: string): Lab {
  const n = Number.parseInt(hex.slice(1), 16)
  const r = linear((n >> 16) & 255)
  const g = linear((n >> 8) & 255)
  const b = linear(n & 255)
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116)
  return { L: 116 * f(y) - 16, a: 500 * (f(x) - f(y)), b: 200 * (f(y) - f(z)) }
}

const RAD = Math.PI / 180

/** ΔE₀₀ between two Lab colours (kL = kC = kH = 1). */
export function ciede2000(p: Lab, q: Lab): number {
  const cMean = (Math.hypot(p.a, p.b) + Math.hypot(q.a, q.b)) / 2
  const g = 0.5 * (1 - Math.sqrt(cMean ** 7 / (cMean ** 7 + 25 ** 7)))
  const a1 = (1 + g) * p.a
  const a2 = (1 + g) * q.a
  const c1 = Math.hypot(a1, p.b)
  const c2 = Math.hypot(a2, q.b)
  const hue = (b: number, a: number) => (a === 0 && b === 0 ? 0 : (Math.atan2(b, a) / RAD + 360) % 360)
  const h1 = hue(p.b, a1)
  const h2 = hue(q.b, a2)
  const dL = q.L - p.L
  const dC = c2 - c1
  let dh = 0
  if (c1 * c2 !== 0) {
    dh = h2 - h1
    if (dh > 180) dh -= 360
    else if (dh < -180) dh += 360
  }
  const dH = 2 * Math.sqrt(c1 * c2) * Math.sin((dh / 2) * RAD)
  const lMean = (p.L + q.L) / 2
  const cMean2 = (c1 + c2) / 2
  let hMean = h1 + h2
  if (c1 * c2 !== 0) {
    if (Math.abs(h1 - h2) <= 180) hMean = (h1 + h2) / 2
    else hMean = h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2
  }
  const t =
    1 - 0.17 * Math.cos((hMean - 30) * RAD) + 0.24 * Math.cos(2 * hMean * RAD) + 0.32 * Math.cos((3 * hMean + 6) * RAD) - 0.2 * Math.cos((4 * hMean - 63) * RAD)
  const dTheta = 30 * Math.exp(-(((hMean - 275) / 25) ** 2))
  const rC = 2 * Math.sqrt(cMean2 ** 7 / (cMean2 ** 7 + 25 ** 7))
  const sL = 1 + (0.015 * (lMean - 50) ** 2) / Math.sqrt(20 + (lMean - 50) ** 2)
  const sC = 1 + 0.045 * cMean2
  const sH = 1 + 0.015 * cMean2 * t
  const rT = -Math.sin(2 * dTheta * RAD) * rC
  return Math.sqrt((dL / sL) ** 2 + (dC / sC) ** 2 + (dH / sH) ** 2 + rT * (dC / sC) * (dH / sH))
}

/** WCAG contrast ratio of `#rrggbb` against white. */
export function contrastWithWhite(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16)
  const luminance = 0.2126 * linear((n >> 16) & 255) + 0.7152 * linear((n >> 8) & 255) + 0.0722 * linear(n & 255)
  return 1.05 / (luminance + 0.05)
}
