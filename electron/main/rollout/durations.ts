import { InvalidInputError } from '../errors.ts'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * A duration as people type it: `500ms`, `10s`, `1.5m`, `1h`, or a bare
 * number of seconds. Returns milliseconds; anything else, or more than `maxMs`,
 * is invalid input naming `field`.
 */
export function parseDuration(text: string, field: string, maxMs: number): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 's'] as number) : Number.NaN
  if (!Number.isFinite(ms) || ms > maxMs) {
    throw new InvalidInputError(field, `--${field} must be a duration like 500ms, 10s, 2m or 1h, at most ${formatDuration(maxMs)}`)
  }
  return Math.round(ms)
}

/** Milliseconds in the largest unit that keeps them whole-ish: 1500 → "1.5s", 120000 → "2m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`
  if (ms < 3_600_000) return `${Number((ms / 60_000).toFixed(1))}m`
  return `${Number((ms / 3_600_000).toFixed(1))}h`
}
