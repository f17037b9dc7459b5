import type { ActivitySample, TenantSessions, TenantSizes } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'
import { type CounterRow, type StatementStatsSource, countersOf } from './statement-stats.ts'
import { StatementStatsLocator } from './statement-stats-locator.ts'
import { ATTRIBUTED_SESSIONS_CTE, noSessions } from './tenant-sessions.ts'
import { readTenantSizes, zeroSizes } from './tenant-sizes.ts'

export interface SampleOptions {
  /**
   * Sizes from an earlier sample, to reuse instead of reading the catalog:
   * sizes move slowly and cost a few stat() calls per relation, so a monitor
   * reads them less often than the counters.
   */
  sizes?: ReadonlyMap<string, TenantSizes>
}

interface SampleRow extends CounterRow {
  is_other: boolean
  name: string | null
  total: number | null
  active: number | null
  idle_in_transaction: number | null
  waiting: number | null
  oldest_ms: number | null
  dealloc: number | null
  stats_reset: Date | null
}

/*
 * Every tenant's counters (summed per role first: a few thousand entries in,
 * one row per role out), live sessions, the counters of every other role
 * together, and the extension's eviction count and reset time: one statement,
 * so a sample costs one round trip and one pass over pg_stat_statements.
 */
function sampleSql(source: StatementStatsSource | undefined): string {
  const counters = source
    ? `,
  counters AS MATERIALIZED (
    SELECT s.userid,
           sum(s.calls)::float8 AS calls,
           sum(s.total_exec_time + s.total_plan_time)::float8 AS time_ms,
           sum(s.rows)::float8 AS rows,
           sum(s.shared_blks_hit)::float8 AS hit,
           sum(s.shared_blks_read)::float8 AS read,
           sum(s.temp_blks_read + s.temp_blks_written)::float8 AS temp
      FROM ${source.fn}(false) s
     WHERE s.dbid = (SELECT oid FROM here)
     GROUP BY s.userid
  )`
    : ''
  const tenantCounters = source
    ? `coalesce(c.calls, 0) AS calls, coalesce(c.time_ms, 0) AS time_ms, coalesce(c.rows, 0) AS rows,
       coalesce(c.hit, 0) AS hit, coalesce(c.read, 0) AS read, coalesce(c.temp, 0) AS temp`
    : 'NULL::float8 AS calls, NULL::float8 AS time_ms, NULL::float8 AS rows, NULL::float8 AS hit, NULL::float8 AS read, NULL::float8 AS temp'
  const other = source
    ? `
  UNION ALL
  SELECT true, NULL, NULL,
         coalesce(sum(c.calls), 0), coalesce(sum(c.time_ms), 0), coalesce(sum(c.rows), 0),
         coalesce(sum(c.hit), 0), coalesce(sum(c.read), 0), coalesce(sum(c.temp), 0),
         NULL, NULL, NULL, NULL, NULL,
         ${source.info ? `(SELECT dealloc::float8 FROM ${source.info})` : 'NULL'},
         ${source.info ? `(SELECT stats_reset FROM ${source.info})` : 'NULL'}
    FROM counters c
   WHERE NOT EXISTS (SELECT 1 FROM tenant t WHERE t.roleid = c.userid)`
    : ''
  return `
  WITH ${ATTRIBUTED_SESSIONS_CTE},
  sessions AS (
    SELECT x.schema, count(*)::int AS total,
           count(*) FILTER (WHERE a.state = 'active')::int AS active,
           count(*) FILTER (WHERE a.state LIKE 'idle in transaction%')::int AS idle_in_transaction,
           count(*) FILTER (WHERE a.state = 'active' AND a.wait_event IS NOT NULL)::int AS waiting,
           max(extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::float8 AS oldest_ms
      FROM attributed x JOIN activity a ON a.pid = x.pid
     GROUP BY x.schema
  ),
  tenant AS MATERIALIZED (
    SELECT t.schema, t.name, r.oid AS roleid FROM public.tenants t LEFT JOIN pg_roles r ON r.rolname = t.role
  )${counters}
  SELECT false AS is_other, t.schema, t.name, ${tenantCounters},
         s.total, s.active, s.idle_in_transaction, s.waiting, s.oldest_ms,
         NULL::float8 AS dealloc, NULL::timestamptz AS stats_reset
    FROM tenant t
    ${source ? 'LEFT JOIN counters c ON c.userid = t.roleid' : ''}
    LEFT JOIN sessions s ON s.schema = t.schema${other}
   ORDER BY is_other, schema`
}

function sessionsOf(row: SampleRow): TenantSessions {
  if (row.total === null) return noSessions()
  return {
    total: row.total,
    active: row.active ?? 0,
    idleInTransaction: row.idle_in_transaction ?? 0,
    waiting: row.waiting ?? 0,
    oldestTransactionMs: row.oldest_ms,
  }
}

/**
 * Takes samples of one database, one statement each; where pg_stat_statements
 * lives is remembered between samples (StatementStatsLocator).
 */
export class ActivitySampler {
  /** Shared with other reads of the statistics (a tenant's detail), so they too skip the lookup. */
  readonly locator: StatementStatsLocator

  constructor(
    private readonly db: Database,
    options: { recheckMs?: number; now?: () => number } = {},
  ) {
    this.locator = new StatementStatsLocator(db, options)
  }

  /** One look at what every tenant costs: statement counters, sizes (unless given), live sessions. */
  async sample(options: SampleOptions = {}): Promise<ActivitySample> {
    const read = await this.locator.use(
      async (source) => ({ rows: await this.db.rows<SampleRow>(sampleSql('fn' in source ? source : undefined)), status: source.status }),
      // A database the shared migrations have not reached yet has no tenants to report on.
      (source) => ({ rows: [], status: source.status }),
    )
    const sizes = options.sizes ?? (read.rows.length > 0 ? await readTenantSizes(this.db) : new Map<string, TenantSizes>())
    const otherRow = read.rows.find((row) => row.is_other)
    let statementStats = read.status
    if (statementStats.available && otherRow) {
      statementStats = {
        ...statementStats,
        evicted: Number(otherRow.dealloc ?? statementStats.evicted),
        resetAt: otherRow.stats_reset ? new Date(otherRow.stats_reset).toISOString() : statementStats.resetAt,
      }
    }
    const withCounters = statementStats.available
    return {
      at: new Date().toISOString(),
      database: this.db.databaseName,
      statementStats,
      other: withCounters && otherRow ? countersOf(otherRow) : null,
      tenants: read.rows
        .filter((row) => !row.is_other)
        .map((row) => ({
          schema: row.schema as string,
          name: row.name as string,
          counters: withCounters ? countersOf(row) : null,
          sizes: sizes.get(row.schema as string) ?? zeroSizes(),
          sessions: sessionsOf(row),
        })),
    }
  }
}

/** One look at what every tenant costs: statement counters, sizes, live sessions (looking the extension up first). */
export async function takeActivitySample(db: Database, options: SampleOptions = {}): Promise<ActivitySample> {
  return new ActivitySampler(db).sample(options)
}
