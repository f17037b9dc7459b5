/** One tenant's migration in an earlier run: what it applied and how long it took. */
export interface PastTenantRun {
  applied: readonly string[]
  durationMs: number
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Estimates from earlier runs. A tenant that has to apply exactly the set of
 * migrations others applied before is estimated by their median; otherwise by
 * the median time per migration across all past tenants, times its count.
 * With no history there is no estimate (null), rather than a made-up one.
 */
export class DurationEstimator {
  private readonly bySet = new Map<string, number>()
  private readonly perMigration: number | undefined
  readonly samples: number

  constructor(history: readonly PastTenantRun[], readonly runs: number) {
    this.samples = history.length
    const groups = new Map<string, number[]>()
    for (const past of history) {
      if (past.applied.length === 0) continue
      const key = past.applied.join('\u0000')
      let list = groups.get(key)
      if (!list) groups.set(key, (list = []))
      list.push(past.durationMs)
    }
    for (const [key, list] of groups) this.bySet.set(key, median(list))
    const perEach = history.filter((p) => p.applied.length > 0).map((p) => p.durationMs / p.applied.length)
    this.perMigration = perEach.length > 0 ? median(perEach) : undefined
  }

  /** Estimated ms for a tenant with these pending migrations, or null. */
  estimate(pending: readonly string[]): number | null {
    if (pending.length === 0) return 0
    const exact = this.bySet.get(pending.join('\u0000'))
    if (exact !== undefined) return exact
    return this.perMigration === undefined ? null : this.perMigration * pending.length
  }

  /** How the estimates were made, in words. */
  get basis(): string {
    if (this.samples === 0) return 'no estimate: no earlier run has migrated a tenant'
    return `median of ${this.samples} tenant migration(s) in ${this.runs} earlier run(s)`
  }
}

/** Wall time of a stage whose tenants run `concurrency` at a time: the sum spread over the lanes. */
export function stageEstimate(estimates: readonly (number | null)[], concurrency: number): number | null {
  if (estimates.some((e) => e === null)) return null
  const total = (estimates as number[]).reduce((a, b) => a + b, 0)
  return total / Math.max(1, Math.min(concurrency, estimates.length))
}
