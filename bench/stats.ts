/** Order statistics over a list of timings; nearest-rank percentiles, so every figure is a real sample. */
export interface Summary {
  count: number
  p50: number
  p95: number
  p99: number
  mean: number
  min: number
  max: number
}

/** The nearest-rank percentile `p` (0–100) of already sorted samples. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number
}

/** Summarises samples (milliseconds or any unit); NaN figures when there are none. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b)
  const total = sorted.reduce((sum, x) => sum + x, 0)
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  }
}

/** p50 of the first and of the last `window` samples, to show whether a series stays flat as it grows. */
export function firstAndLast(samples: readonly number[], window: number): { firstP50: number; lastP50: number } {
  return {
    firstP50: summarize(samples.slice(0, window)).p50,
    lastP50: summarize(samples.slice(-window)).p50,
  }
}

/** Rounds to 3 decimals (microsecond resolution for milliseconds) so JSON stays readable. */
export function round3(value: number): number {
  return roundTo(value, 3)
}

/** Rounds to `digits` decimals; sub-microsecond figures (resolve) need 6. */
export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
