import type { StatementCounters, StatementStatsStatus } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'
import { pgErrorOf } from '../db/pg-error.ts'
import { qualified } from '../db/sql.ts'

/*
 * Per-tenant cost from pg_stat_statements. Tenant work runs as the tenant's
 * role (SET LOCAL ROLE in the app's scope, or a login as that role), and the
 * extension keys its entries by the role that ran the statement, so summing
 * a role's entries of this database is that tenant's cost.
 */

interface ExtensionRow {
  schema: string | null
  usable: boolean | null
  read_all: boolean
  has_info: boolean
  database: string
}

/** Where the extension is and whether this login may use it (one catalog query, no extension call). */
async function findExtension(db: Database): Promise<ExtensionRow> {
  const [row] = await db.rows<ExtensionRow>(
    `SELECT n.nspname AS schema,
            has_schema_privilege(n.oid, 'USAGE') AS usable,
            pg_has_role('pg_read_all_stats', 'USAGE') AS read_all,
            -- CASE, not AND: format() raises on a NULL identifier, and AND does not promise to short-circuit.
            CASE WHEN n.nspname IS NULL THEN false
                 ELSE to_regclass(format('%I.pg_stat_statements_info', n.nspname)) IS NOT NULL END AS has_info,
            current_database() AS database
       FROM (SELECT 1) one
       LEFT JOIN pg_extension e ON e.extname = 'pg_stat_statements'
       LEFT JOIN pg_namespace n ON n.oid = e.extnamespace`,
  )
  if (!row) throw new Error('the extension lookup returned no row')
  return row
}

/** A usable extension: where to call it. */
export interface StatementStatsSource {
  status: StatementStatsStatus & { available: true }
  /** `schema.pg_stat_statements`, quoted. */
  fn: string
  /** `schema.pg_stat_statements_info`, quoted; absent before PostgreSQL 14. */
  info?: string
}

function notInstalled(database: string, mode: Database['mode']): StatementStatsStatus {
  const how =
    mode === 'embedded'
      ? 'restart the embedded server (schemata db stop, then any command) and Schemata installs it'
      : `a superuser can install it: add pg_stat_statements to shared_preload_libraries, restart PostgreSQL, and run CREATE EXTENSION pg_stat_statements in "${database}"`
  return {
    available: false,
    reason: 'not-installed',
    message: `per-tenant statement statistics are off: the pg_stat_statements extension is not installed in database "${database}"; ${how}`,
  }
}

function notLoaded(mode: Database['mode']): StatementStatsStatus {
  const how =
    mode === 'embedded'
      ? 'the embedded server was started without it; restart it (schemata db stop, then any command)'
      : 'add pg_stat_statements to shared_preload_libraries in postgresql.conf and restart PostgreSQL'
  return {
    available: false,
    reason: 'not-loaded',
    message: `per-tenant statement statistics are off: pg_stat_statements is installed but the server has not loaded it; ${how}`,
  }
}

/** Whether this error is pg_stat_statements saying the server did not preload it. */
export function isNotLoaded(error: unknown): boolean {
  const pg = pgErrorOf(error)
  return pg?.code === '55000' && /shared_preload_libraries/.test(pg.message)
}

/**
 * Finds pg_stat_statements and checks that it answers. Returns either a
 * source to read from, or a status saying in plain words why there is none.
 */
export async function statementStatsSource(db: Database): Promise<StatementStatsSource | { status: StatementStatsStatus }> {
  const ext = await findExtension(db)
  if (ext.schema === null) return { status: notInstalled(ext.database, db.mode) }
  if (ext.usable !== true) {
    return {
      status: {
        available: false,
        reason: 'no-access',
        message: `per-tenant statement statistics are off: pg_stat_statements is in schema "${ext.schema}", which this login may not use (GRANT USAGE ON SCHEMA ${ext.schema} TO the app's login)`,
      },
    }
  }
  const fn = qualified(ext.schema, 'pg_stat_statements')
  const info = ext.has_info ? qualified(ext.schema, 'pg_stat_statements_info') : undefined
  let evicted = 0
  let resetAt: string | null = null
  try {
    if (info) {
      const [row] = await db.rows<{ dealloc: number; stats_reset: Date | null }>(`SELECT dealloc::float8 AS dealloc, stats_reset FROM ${info}`)
      evicted = Number(row?.dealloc ?? 0)
      resetAt = row?.stats_reset ? new Date(row.stats_reset).toISOString() : null
    } else {
      // Before PostgreSQL 14 there is no info view; calling the function is what tells whether it is loaded.
      await db.rows(`SELECT 1 FROM ${fn}(false) LIMIT 1`)
    }
  } catch (error) {
    if (isNotLoaded(error)) return { status: notLoaded(db.mode) }
    throw error
  }
  return { status: { available: true, extensionSchema: ext.schema, queryText: ext.read_all, evicted, resetAt }, fn, ...(info ? { info } : {}) }
}

/** Summed counters as the statements return them. */
export interface CounterRow {
  schema: string | null
  calls: number
  time_ms: number
  rows: number
  hit: number
  read: number
  temp: number
}

/** A role's counters summed over `s`, rows of pg_stat_statements. */
export const COUNTER_COLUMNS = `coalesce(sum(s.calls), 0)::float8 AS calls,
            coalesce(sum(s.total_exec_time + s.total_plan_time), 0)::float8 AS time_ms,
            coalesce(sum(s.rows), 0)::float8 AS rows,
            coalesce(sum(s.shared_blks_hit), 0)::float8 AS hit,
            coalesce(sum(s.shared_blks_read), 0)::float8 AS read,
            coalesce(sum(s.temp_blks_read + s.temp_blks_written), 0)::float8 AS temp`

/** Counters from a row of summed counters. */
export function countersOf(row: CounterRow): StatementCounters {
  return {
    calls: row.calls,
    timeMs: row.time_ms,
    rows: row.rows,
    sharedBlocksHit: row.hit,
    sharedBlocksRead: row.read,
    tempBlocks: row.temp,
  }
}

/** Zero counters, for a tenant with no statement since the last reset. */
export function zeroCounters(): StatementCounters {
  return { calls: 0, timeMs: 0, rows: 0, sharedBlocksHit: 0, sharedBlocksRead: 0, tempBlocks: 0 }
}
