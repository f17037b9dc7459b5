import type { TenantSessionRow, TenantSessions } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'

interface SessionRow {
  schema: string
  pid: number
  state: string | null
  user: string | null
  application_name: string | null
  wait_event: string | null
  xact_start: Date | null
  query: string | null
  xact_ms: number | null
}

/*
 * Which backends work for a tenant. The app's pooled connections log in as
 * the app and enter a tenant with SET LOCAL ROLE, which pg_stat_activity does
 * not show; but a transaction that touched a tenant's table holds a lock on it
 * until it ends, so pg_locks attributes it. Sessions logged in as the tenant's
 * own role (SQL typed by a user) are attributed by their login. A backend
 * between transactions, or one that has not yet touched a tenant table, works
 * for no tenant.
 */
const SESSIONS_SQL = `
  WITH here AS (SELECT oid FROM pg_database WHERE datname = current_database()),
  attributed AS (
    SELECT DISTINCT l.pid, t.schema
      FROM pg_locks l
      JOIN pg_class c ON c.oid = l.relation
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN public.tenants t ON t.schema = n.nspname
     WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM here)
    UNION
    SELECT a.pid, t.schema
      FROM pg_stat_activity a
      JOIN public.tenants t ON t.role = a.usename
     WHERE a.datid = (SELECT oid FROM here)
  )
  SELECT x.schema, a.pid, a.state, a.usename::text AS user, a.application_name, a.wait_event,
         a.xact_start, left(a.query, 300) AS query,
         (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::float8 AS xact_ms
    FROM attributed x
    JOIN pg_stat_activity a ON a.pid = x.pid
   WHERE a.pid <> pg_backend_pid() AND ($1::text IS NULL OR x.schema = $1)
   ORDER BY x.schema, a.xact_start NULLS LAST, a.pid`

/** Zero sessions. */
export function noSessions(): TenantSessions {
  return { total: 0, active: 0, idleInTransaction: 0, waiting: 0, oldestTransactionMs: null }
}

async function readSessionRows(db: Database, only?: string): Promise<SessionRow[]> {
  return db.rows<SessionRow>(SESSIONS_SQL, [only ?? null])
}

/** Live sessions per tenant, summarised. */
export async function readTenantSessions(db: Database): Promise<Map<string, TenantSessions>> {
  const summary = new Map<string, TenantSessions>()
  for (const row of await readSessionRows(db)) {
    let entry = summary.get(row.schema)
    if (!entry) summary.set(row.schema, (entry = noSessions()))
    entry.total++
    if (row.state === 'active') entry.active++
    if (row.state?.startsWith('idle in transaction')) entry.idleInTransaction++
    if (row.wait_event !== null && row.state === 'active') entry.waiting++
    if (row.xact_ms !== null) entry.oldestTransactionMs = Math.max(entry.oldestTransactionMs ?? 0, row.xact_ms)
  }
  return summary
}

/** One tenant's live sessions, one row each. */
export async function readSessionsOf(db: Database, schema: string): Promise<TenantSessionRow[]> {
  return (await readSessionRows(db, schema)).map((row) => ({
    pid: row.pid,
    state: row.state ?? 'unknown',
    user: row.user ?? '',
    applicationName: row.application_name ?? '',
    waitEvent: row.wait_event,
    transactionStart: row.xact_start ? new Date(row.xact_start).toISOString() : null,
    query: row.query ?? '',
  }))
}
