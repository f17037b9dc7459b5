import type { ActivityOverview, TenantActivityDetail, TenantSizes } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'
import { ActivityHistory, type OverviewQuery } from './activity-history.ts'
import { ActivitySampler } from './activity-sample.ts'
import { readTenantDetail } from './tenant-detail.ts'
import { SizeSampler } from './tenant-sizes.ts'

export interface MonitorOptions {
  /** Time between samples while someone watches (default 2 s). */
  intervalMs?: number
  /** How far back the history goes (default 10 min). */
  keepMs?: number
  /** Sizes are re-read at most this often (default 30 s; longer when a read is slow, see SizeSampler). */
  sizesEveryMs?: number
  /**
   * Sampling stops when nobody asked for this long (default 30 s: the view asks
   * every 2 s while it is open and its window visible); the next question
   * starts it again with a fresh history.
   */
  idleMs?: number
  now?: () => number
}

/**
 * Samples one database's per-tenant activity in the background while someone
 * (the console's Activity view) keeps asking, and answers from the history:
 * rates over the last minutes need samples taken before the question.
 */
export class ActivityMonitor {
  readonly intervalMs: number
  private readonly keepMs: number
  private readonly idleMs: number
  private readonly now: () => number
  private history: ActivityHistory
  private timer: NodeJS.Timeout | undefined
  private sampling: Promise<void> | undefined
  private lastAskedMs = 0
  private sizes: SizeSampler
  private sizesAddedAtMs: number | undefined
  private readonly sampler: ActivitySampler

  constructor(
    private readonly db: Database,
    options: MonitorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 2_000
    this.keepMs = options.keepMs ?? 10 * 60_000
    this.idleMs = options.idleMs ?? 30_000
    this.now = options.now ?? Date.now
    this.history = new ActivityHistory(this.keepMs)
    this.sizes = new SizeSampler(db, { minEveryMs: options.sizesEveryMs ?? 30_000, budget: 0.05, now: this.now })
    this.sampler = new ActivitySampler(db, { now: this.now })
  }

  /** Whether background sampling is running (someone asked within idleMs). */
  get watching(): boolean {
    return this.timer !== undefined
  }

  /**
   * Takes a sample now (joining one under way) and adds it to the history. The
   * next background sample is then due a full interval later, so questions
   * from the view and the timer together sample no more often than either.
   */
  sampleNow(): Promise<void> {
    this.sampling ??= this.sample().finally(() => {
      this.sampling = undefined
      this.rearm()
    })
    return this.sampling
  }

  private async sample(): Promise<void> {
    const startMs = this.now()
    // Sizes are read beside the counters, not in their way: only the very first sample waits for them.
    if (this.sizes.due()) {
      const reading = this.sizes.read()
      // A failed background read leaves the previous sizes in place; the next due read tries again.
      if (this.sizes.latest) void reading.catch(() => undefined)
      else await reading
    }
    const sizes = this.sizes.latest as { atMs: number; sizes: Map<string, TenantSizes> }
    const sample = await this.sampler.sample({ sizes: sizes.sizes })
    const fresh = sizes.atMs !== this.sizesAddedAtMs
    this.sizesAddedAtMs = sizes.atMs
    this.history.add(sample, startMs, fresh)
  }

  /** Resolves once a size read under way (if any) has finished. */
  async sizesSettled(): Promise<void> {
    await this.sizes.settled()
  }

  /** The ranked overview; starts background sampling if it was not running. */
  async overview(query: OverviewQuery): Promise<ActivityOverview> {
    this.lastAskedMs = this.now()
    const last = this.history.last
    // A view polling every interval, or several views, share the background samples instead of adding their own.
    if (!last || this.now() - last.atMs >= this.intervalMs) await this.sampleNow()
    this.schedule()
    const overview = this.history.overview(query, this.intervalMs)
    if (!overview) throw new Error('no activity sample was taken')
    return overview
  }

  /** One tenant's top statements (cumulative since the statistics were reset), sizes and live sessions. */
  async detail(schema: string, limit: number): Promise<TenantActivityDetail> {
    return readTenantDetail(this.db, this.sampler.locator, schema, limit)
  }

  private readonly tick = (): void => {
    if (this.now() - this.lastAskedMs > this.idleMs) {
      // Nobody is watching: no more statements until someone asks again.
      this.stop()
      return
    }
    // The database went away (or the pool closed): stop; the next question starts afresh.
    this.sampleNow().catch(() => this.stop())
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(this.tick, this.intervalMs).unref()
  }

  /** Restarts a running timer: the next sample is due an interval after the last one. */
  private rearm(): void {
    if (!this.timer) return
    clearTimeout(this.timer)
    this.timer = setTimeout(this.tick, this.intervalMs).unref()
  }

  /** Stops background sampling and forgets the history. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.history = new ActivityHistory(this.keepMs)
    this.sizesAddedAtMs = undefined
  }
}

const monitors = new WeakMap<Database, ActivityMonitor>()

/** The one monitor of a database (created on first use). */
export function activityMonitorFor(db: Database): ActivityMonitor {
  let monitor = monitors.get(db)
  if (!monitor) monitors.set(db, (monitor = new ActivityMonitor(db)))
  return monitor
}
