import type {
  ActivityMetric,
  ActivityOverview,
  ActivitySample,
  StatementCounters,
  StatementStatsStatus,
  TenantActivityRow,
} from '../../../contract/activity-types.ts'
import { zeroCounters } from './statement-stats.ts'

/** What the history is asked for: the console's Activity view's knobs. */
export interface OverviewQuery {
  rankBy: ActivityMetric
  windowMs: number
  /** A tenant above this share of the total (0–1) is marked as a noisy neighbour. */
  noisyShare: number
  /** Rows returned, the top ones. */
  limit: number
  /** Most points in a sparkline; adjacent intervals are summed to fit. */
  maxPoints?: number
}

interface Interval {
  startMs: number
  endMs: number
  /** Counter increases of the tenants that had any, by schema. */
  deltas: Map<string, StatementCounters>
}

interface SizePoint {
  atMs: number
  totals: Map<string, number>
}

const COUNTER_KEYS = ['calls', 'timeMs', 'rows', 'sharedBlocksHit', 'sharedBlocksRead', 'tempBlocks'] as const

function addInto(target: StatementCounters, delta: StatementCounters): void {
  for (const key of COUNTER_KEYS) target[key] += delta[key]
}

/**
 * The increase from `before` to `after`, or undefined when there was none. A
 * counter that went down (its entries were evicted) counts as no increase.
 */
export function counterDelta(before: StatementCounters | undefined, after: StatementCounters): StatementCounters | undefined {
  const delta = zeroCounters()
  let any = false
  for (const key of COUNTER_KEYS) {
    const d = after[key] - (before?.[key] ?? 0)
    if (d > 0) {
      delta[key] = d
      any = true
    }
  }
  return any ? delta : undefined
}

function metricOf(counters: StatementCounters, metric: 'time' | 'calls'): number {
  return metric === 'time' ? counters.timeMs : counters.calls
}

/** Sums adjacent values so that at most `max` remain (the last bucket may be partial). */
export function downsample(values: readonly number[], max: number): number[] {
  if (values.length <= max) return [...values]
  const per = Math.ceil(values.length / max)
  const out: number[] = []
  for (let i = 0; i < values.length; i += per) out.push(values.slice(i, i + per).reduce((a, b) => a + b, 0))
  return out
}

/**
 * Samples of one database over the last minutes, kept as the per-interval
 * increases of each tenant's counters (only of tenants that had any), so ten
 * thousand quiet tenants cost nothing per interval. Pure: fed samples, asked
 * for overviews.
 */
export class ActivityHistory {
  private latest: { atMs: number; sample: ActivitySample; counters: Map<string, StatementCounters> } | undefined
  private intervals: Interval[] = []
  private sizePoints: SizePoint[] = []

  constructor(private readonly keepMs: number) {}

  /** The newest sample, if any. */
  get last(): { atMs: number; sample: ActivitySample } | undefined {
    return this.latest
  }

  /** Adds a sample taken at `atMs`; `sizesFresh` says whether its sizes were read now (or carried over). */
  add(sample: ActivitySample, atMs: number, sizesFresh = true): void {
    const counters = new Map<string, StatementCounters>()
    for (const tenant of sample.tenants) if (tenant.counters) counters.set(tenant.schema, tenant.counters)
    const previous = this.latest
    if (previous && counters.size > 0) {
      // After a reset every counter restarts at zero: what it shows now all happened since.
      const reset = resetAtOf(previous.sample.statementStats) !== resetAtOf(sample.statementStats)
      const deltas = new Map<string, StatementCounters>()
      for (const [schema, now] of counters) {
        const delta = counterDelta(reset ? undefined : previous.counters.get(schema), now)
        if (delta) deltas.set(schema, delta)
      }
      this.intervals.push({ startMs: previous.atMs, endMs: atMs, deltas })
    }
    if (sizesFresh || this.sizePoints.length === 0) {
      this.sizePoints.push({ atMs, totals: new Map(sample.tenants.map((t) => [t.schema, t.sizes.totalBytes])) })
    }
    this.latest = { atMs, sample, counters }
    const horizon = atMs - this.keepMs
    while (this.intervals[0] && this.intervals[0].startMs < horizon) this.intervals.shift()
    // Keep one size point at or before the horizon, so growth over the full window has a start.
    while (this.sizePoints.length > 1 && (this.sizePoints[1]?.atMs ?? Infinity) <= horizon) this.sizePoints.shift()
  }

  /** Tenants ranked by `rankBy` over the last `windowMs`, with sparklines and noisy-neighbour markers. */
  overview(query: OverviewQuery, intervalMs: number): ActivityOverview | undefined {
    const latest = this.latest
    if (!latest) return undefined
    const from = latest.atMs - query.windowMs
    const intervals = this.intervals.filter((interval) => interval.startMs >= from - intervalMs / 2)
    const sizePoints = this.sizePoints.filter((point) => point.atMs >= from - intervalMs / 2)
    const firstSizes = (sizePoints[0] ?? this.sizePoints[this.sizePoints.length - 1])?.totals
    const windowMs = intervals.length > 0 ? latest.atMs - (intervals[0]?.startMs ?? latest.atMs) : 0
    const maxPoints = query.maxPoints ?? 60

    const rows: TenantActivityRow[] = latest.sample.tenants.map((tenant) => {
      const window = zeroCounters()
      for (const interval of intervals) {
        const delta = interval.deltas.get(tenant.schema)
        if (delta) addInto(window, delta)
      }
      const series =
        query.rankBy === 'size'
          ? sizePoints.map((point) => point.totals.get(tenant.schema) ?? 0)
          : downsample(
              intervals.map((interval) => {
                const delta = interval.deltas.get(tenant.schema)
                return delta ? metricOf(delta, query.rankBy as 'time' | 'calls') : 0
              }),
              maxPoints,
            )
      return {
        schema: tenant.schema,
        name: tenant.name,
        window,
        meanTimeMs: window.calls > 0 ? window.timeMs / window.calls : null,
        sizes: tenant.sizes,
        growthBytes: tenant.sizes.totalBytes - (firstSizes?.get(tenant.schema) ?? tenant.sizes.totalBytes),
        sessions: tenant.sessions,
        share: 0,
        noisy: false,
        series: query.rankBy === 'size' ? downsampleLast(series, maxPoints) : series,
      }
    })

    const valueOf = (row: TenantActivityRow): number =>
      query.rankBy === 'size' ? row.sizes.totalBytes : metricOf(row.window, query.rankBy)
    const total = rows.reduce((sum, row) => sum + valueOf(row), 0)
    const withActivity = rows.filter((row) => valueOf(row) > 0).length
    for (const row of rows) {
      row.share = total > 0 ? valueOf(row) / total : 0
      row.noisy = withActivity >= 2 && row.share > query.noisyShare
    }
    rows.sort((a, b) => valueOf(b) - valueOf(a) || b.window.calls - a.window.calls || a.schema.localeCompare(b.schema))

    return {
      at: latest.sample.at,
      statementStats: latest.sample.statementStats,
      rankBy: query.rankBy,
      windowMs,
      intervalMs,
      noisyShare: query.noisyShare,
      total,
      tenantCount: rows.length,
      tenants: rows.slice(0, query.limit),
    }
  }
}

/** Keeps every `k`-th point of a level series (sizes are levels, not amounts: they are not summed). */
function downsampleLast(values: readonly number[], max: number): number[] {
  if (values.length <= max) return [...values]
  const per = Math.ceil(values.length / max)
  const out: number[] = []
  for (let i = per - 1; i < values.length; i += per) out.push(values[i] as number)
  if ((values.length - 1) % per !== per - 1) out.push(values[values.length - 1] as number)
  return out
}

function resetAtOf(status: StatementStatsStatus): string | null {
  return status.available ? status.resetAt : null
}
