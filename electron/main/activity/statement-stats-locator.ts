import type { StatementStatsStatus } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'
import { SqlState, pgErrorOf } from '../db/pg-error.ts'
import { type StatementStatsSource, isNotLoaded, statementStatsSource } from './statement-stats.ts'

/** Where pg_stat_statements is, or why it cannot be used. */
export type Source = StatementStatsSource | { status: StatementStatsStatus }

const STOPPED_ANSWERING: Source = {
  status: { available: false, reason: 'not-loaded', message: 'pg_stat_statements stopped answering (the server restarted without it)' },
}

/**
 * Remembers where pg_stat_statements lives (and whether this login may read
 * it), so a read of the statistics is one statement rather than a lookup and
 * then the read. The lookup is done again every `recheckMs`, or at once when
 * a read fails: the extension was dropped, moved, or the server restarted
 * without it.
 */
export class StatementStatsLocator {
  private cached: { value: Source; atMs: number } | undefined

  constructor(
    private readonly db: Database,
    private readonly options: { recheckMs?: number; now?: () => number } = {},
  ) {}

  /**
   * Runs `read` with the source. A read that fails with a source remembered
   * from before is retried once with a fresh lookup; a read that fails because
   * the extension no longer answers is run again without it. `whenNoRegistry`
   * answers for a database the shared migrations have not reached (no
   * `public.tenants`); without it that failure is thrown.
   */
  async use<R>(read: (source: Source) => Promise<R>, whenNoRegistry?: (source: Source) => R): Promise<R> {
    const now = this.options.now ?? Date.now
    const cached = this.cached
    const stale = !cached || now() - cached.atMs >= (this.options.recheckMs ?? 30_000)
    let source = stale ? await this.lookUp() : cached.value
    try {
      return await read(source)
    } catch (error) {
      if (!stale) {
        // A source that answered before may be gone: look again, then treat a failure as real.
        source = await this.lookUp()
        try {
          return await read(source)
        } catch (again) {
          return this.afterFailure(source, again, read, whenNoRegistry)
        }
      }
      return this.afterFailure(source, error, read, whenNoRegistry)
    }
  }

  private async lookUp(): Promise<Source> {
    const value = await statementStatsSource(this.db)
    this.cached = { value, atMs: (this.options.now ?? Date.now)() }
    return value
  }

  /** What a failed read means with a source that was just looked up. */
  private async afterFailure<R>(source: Source, error: unknown, read: (source: Source) => Promise<R>, whenNoRegistry?: (source: Source) => R): Promise<R> {
    if (whenNoRegistry && pgErrorOf(error)?.code === SqlState.undefinedTable) return whenNoRegistry(source)
    if (!isNotLoaded(error)) throw error
    // Loaded when we looked, gone now: the server restarted without it.
    this.cached = undefined
    return read(STOPPED_ANSWERING)
  }
}
