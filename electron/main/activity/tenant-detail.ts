import type { StatementStatsStatus, TenantActivityDetail, TenantSessionRow, TopStatement } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'
import { TenantNotFoundError } from '../errors.ts'
import { COUNTER_COLUMNS, type CounterRow, type StatementStatsSource, countersOf } from './statement-stats.ts'
import type { Source, StatementStatsLocator } from './statement-stats-locator.ts'
import { ATTRIBUTED_SESSIONS_CTE } from './tenant-sessions.ts'
import { SIZE_COLUMNS, type SizeColumns, sizesOf } from './tenant-sizes.ts'

interface StatementJson extends Omit<CounterRow, 'schema'> {
  query_id: string | null
  query: string | null
}

interface SessionJson {
  pid: number
  state: string | null
  user: string | null
  application_name: string | null
  wait_event: string | null
  xact_start_ms: number | null
  query: string | null
}

interface DetailRow extends SizeColumns {
  name: string
  totals: CounterRow | null
  statements: StatementJson[]
  sessions: SessionJson[]
  dealloc: number | null
  stats_reset: Date | null
}

/*
 * One tenant's registry entry, statement totals and top statements, sizes and
 * live sessions, in one statement: the Activity view asks for it every few
 * seconds while a tenant is open, and each question used to be six round
 * trips. The lists come back as JSON arrays so the statement stays one row.
 */
function detailSql(source: StatementStatsSource | undefined): string {
  const mine = source
    ? `,
  mine AS MATERIALIZED (
    SELECT s.* FROM ${source.fn}(true) s
     WHERE s.userid = (SELECT roleid FROM tenant) AND s.dbid = (SELECT oid FROM here)
  )`
    : ''
  const statements = source
    ? `(SELECT row_to_json(x) FROM (SELECT NULL::text AS schema, ${COUNTER_COLUMNS} FROM mine s) x) AS totals,
       (SELECT coalesce(json_agg(x ORDER BY x.time_ms DESC, x.calls DESC), '[]'::json)
          FROM (SELECT s.queryid::text AS query_id, s.query,
                       s.calls::float8 AS calls, (s.total_exec_time + s.total_plan_time)::float8 AS time_ms,
                       s.rows::float8 AS rows, s.shared_blks_hit::float8 AS hit, s.shared_blks_read::float8 AS read,
                       (s.temp_blks_read + s.temp_blks_written)::float8 AS temp
                  FROM mine s
                 ORDER BY s.total_exec_time + s.total_plan_time DESC, s.calls DESC
                 LIMIT $2) x) AS statements,
       ${source.info ? `(SELECT dealloc::float8 FROM ${source.info})` : 'NULL::float8'} AS dealloc,
       ${source.info ? `(SELECT stats_reset FROM ${source.info})` : 'NULL::timestamptz'} AS stats_reset`
    : `NULL::json AS totals, '[]'::json AS statements, NULL::float8 AS dealloc, NULL::timestamptz AS stats_reset`
  return `
  WITH ${ATTRIBUTED_SESSIONS_CTE},
  tenant AS MATERIALIZED (
    SELECT t.schema, t.name, r.oid AS roleid
      FROM public.tenants t LEFT JOIN pg_roles r ON r.rolname = t.role
     WHERE t.schema = $1
  )${mine}
  SELECT t.name, ${statements},
         z.table_bytes, z.index_bytes, z.toast_bytes,
         (SELECT coalesce(json_agg(x ORDER BY x.xact_start_ms NULLS LAST, x.pid), '[]'::json)
            FROM (SELECT a.pid, a.state, a.usename::text AS user, a.application_name, a.wait_event,
                         (extract(epoch FROM a.xact_start) * 1000)::float8 AS xact_start_ms, left(a.query, 300) AS query
                    FROM attributed w JOIN activity a ON a.pid = w.pid
                   WHERE w.schema = t.schema) x) AS sessions
    FROM tenant t
   CROSS JOIN LATERAL (
     SELECT ${SIZE_COLUMNS}
       FROM pg_namespace n
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm', 'i')
      WHERE n.nspname = t.schema
   ) z`
}

function statementOf(row: StatementJson, totalMs: number): TopStatement {
  return {
    queryId: row.query_id,
    query: row.query ?? '<statement text not available>',
    calls: row.calls,
    timeMs: row.time_ms,
    meanTimeMs: row.calls > 0 ? row.time_ms / row.calls : 0,
    rows: row.rows,
    sharedBlocksHit: row.hit,
    sharedBlocksRead: row.read,
    tempBlocks: row.temp,
    share: totalMs > 0 ? row.time_ms / totalMs : 0,
  }
}

function sessionOf(row: SessionJson): TenantSessionRow {
  return {
    pid: row.pid,
    state: row.state ?? 'unknown',
    user: row.user ?? '',
    applicationName: row.application_name ?? '',
    waitEvent: row.wait_event,
    transactionStart: row.xact_start_ms === null ? null : new Date(row.xact_start_ms).toISOString(),
    query: row.query ?? '',
  }
}

function statusOf(source: Source, row: DetailRow): StatementStatsStatus {
  if (!source.status.available) return source.status
  return {
    ...source.status,
    evicted: Number(row.dealloc ?? source.status.evicted),
    resetAt: row.stats_reset ? new Date(row.stats_reset).toISOString() : source.status.resetAt,
  }
}

/** One tenant's top statements (cumulative since the statistics were reset), sizes and live sessions: one statement. */
export async function readTenantDetail(db: Database, locator: StatementStatsLocator, schema: string, limit: number): Promise<TenantActivityDetail> {
  const { row, source } = await locator.use(async (source) => {
    const stats = 'fn' in source ? source : undefined
    const [row] = await db.rows<DetailRow>(detailSql(stats), stats ? [schema, limit] : [schema])
    return { row, source }
  })
  if (!row) throw new TenantNotFoundError(schema)
  const totals = row.totals ? countersOf(row.totals) : null
  return {
    schema,
    name: row.name,
    statementStats: statusOf(source, row),
    statements: row.statements.map((statement) => statementOf(statement, totals?.timeMs ?? 0)),
    totals,
    sizes: sizesOf(row),
    sessions: row.sessions.map(sessionOf),
  }
}
