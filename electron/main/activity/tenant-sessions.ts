import type { TenantSessions } from '../../../contract/activity-types.ts'

/*
 * Which backends work for a tenant. The app's pooled connections log in as
 * the app and enter a tenant with SET LOCAL ROLE, which pg_stat_activity does
 * not show; but a transaction that touched a tenant's table holds a lock on it
 * until it ends, so pg_locks attributes it. Sessions logged in as the tenant's
 * own role (SQL typed by a user) are attributed by their login. A backend
 * between transactions, or one that has not yet touched a tenant table, works
 * for no tenant.
 *
 * Common table expressions `here`, `activity` (this database's backends but
 * ours) and `attributed` (pid, schema), for a statement to build on. Each lock
 * finds its schema through the catalog's oid indexes: a join would scan all of
 * pg_class, which at a thousand tenants holds tens of thousands of rows.
 */
export const ATTRIBUTED_SESSIONS_CTE = `
  here AS MATERIALIZED (SELECT oid FROM pg_database WHERE datname = current_database()),
  activity AS MATERIALIZED (
    SELECT a.pid, a.usename, a.state, a.wait_event, a.xact_start, a.application_name, a.query
      FROM pg_stat_activity a
     WHERE a.datid = (SELECT oid FROM here) AND a.pid <> pg_backend_pid()
  ),
  locked AS MATERIALIZED (
    SELECT DISTINCT l.pid,
           (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = l.relation) AS nspname
      FROM pg_locks l
     WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM here)
  ),
  attributed AS (
    SELECT x.pid, t.schema FROM locked x JOIN public.tenants t ON t.schema = x.nspname
    UNION
    SELECT a.pid, t.schema FROM activity a JOIN public.tenants t ON t.role = a.usename
  )`

/** Zero sessions. */
export function noSessions(): TenantSessions {
  return { total: 0, active: 0, idleInTransaction: 0, waiting: 0, oldestTransactionMs: null }
}
