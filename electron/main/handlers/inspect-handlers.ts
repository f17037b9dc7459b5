import type { RowCount } from '../../../contract/data-browser.ts'
import type { ProbeResult, SchemaInfo, SessionInfo } from '../../../contract/types.ts'
import { EXACT_COUNT_LIMIT_BYTES } from '../data-browser/table-list.ts'
import { SqlState, pgErrorOf } from '../db/pg-error.ts'
import type { Database } from '../db/database.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { SchemataError } from '../errors.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { inActiveTenant } from './active-scope.ts'
import type { HandlerTable } from './handler-types.ts'

/*
 * Straight from pg_catalog rather than information_schema: information_schema
 * shows only objects the current role has privileges on, and this view exists
 * to show everything the database holds. reltuples is the planner's estimate
 * (-1 until the table is first vacuumed or analysed, 0 for a table that had
 * none then): it said "~0 rows" for tables with rows. So small tables are
 * counted exactly (see exactCounts) and only big ones show an estimate.
 */
const SCHEMAS_SQL = `
  SELECT n.nspname AS name,
         pg_get_userbyid(n.nspowner) AS owner,
         t.name AS tenant,
         coalesce(json_agg(json_build_object('name', c.relname, 'reltuples', c.reltuples::float8, 'relpages', c.relpages,
                                             'live', pg_catalog.pg_stat_get_live_tuples(c.oid),
                                             'readable', has_table_privilege(c.oid, 'SELECT'),
                                             'bytes', CASE WHEN c.relkind = 'p'
                                                           THEN (SELECT sum(pg_catalog.pg_relation_size(p.relid)) FROM pg_catalog.pg_partition_tree(c.oid) p)
                                                           ELSE pg_catalog.pg_relation_size(c.oid) END)
                           ORDER BY c.relname) FILTER (WHERE c.oid IS NOT NULL), '[]') AS tables
    FROM pg_catalog.pg_namespace n
    LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    LEFT JOIN public.tenants t ON t.schema = n.nspname
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
   GROUP BY n.oid, n.nspname, n.nspowner, t.name
   ORDER BY n.nspname <> 'public', n.nspname`

/*
 * As seen inside the scope: current_user is the tenant's role (SET LOCAL ROLE),
 * session_user the login that holds the pooled connection. `customers` is
 * resolved through the search_path and shown schema-qualified, so the view
 * proves which tenant's table an unqualified name reaches.
 */
const SESSION_SQL = `
  SELECT current_user AS current_user,
         session_user AS session_user,
         current_setting('search_path') AS search_path,
         (SELECT format('%I.%I', n.nspname, c.relname)
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE c.oid = to_regclass('customers')) AS customers_table`

interface TableRow {
  name: string
  reltuples: number
  relpages: number
  live: number
  readable: boolean
  bytes: number | string | null
}

interface SchemaRow {
  name: string
  owner: string
  tenant: string | null
  tables: TableRow[]
}

/** At most this many tables are counted in one call (the smallest first); the rest keep their estimates. */
const EXACT_COUNT_TABLES = 500
/** And all of them together read at most this much. */
const EXACT_COUNT_BUDGET_BYTES = 64 * 1024 * 1024

/** PostgreSQL's estimate: tuples per page from the last ANALYZE times today's pages; before any, the statistics' live tuples. */
function estimate(table: TableRow): RowCount {
  const bytes = Number(table.bytes ?? 0)
  if (table.reltuples >= 0) {
    const count = table.relpages > 0 ? (table.reltuples / table.relpages) * (bytes / 8192) : table.reltuples
    return { count: Math.round(count), exact: false }
  }
  return { count: Number(table.live), exact: false }
}

/**
 * Exact counts for the small tables (up to EXACT_COUNT_LIMIT_BYTES each, the
 * data browser's threshold), smallest first within a budget, in one
 * statement. Run as the app's login, which owns every tenant's tables.
 */
async function exactCounts(db: Pick<Database, 'rows'>, rows: readonly SchemaRow[]): Promise<Map<string, number>> {
  const candidates = rows
    .flatMap((schema) => schema.tables.filter((table) => table.readable).map((table) => ({ schema: schema.name, table: table.name, bytes: Number(table.bytes ?? 0) })))
    .filter((t) => t.bytes <= EXACT_COUNT_LIMIT_BYTES)
    .sort((a, b) => a.bytes - b.bytes)
  const chosen: typeof candidates = []
  let budget = EXACT_COUNT_BUDGET_BYTES
  for (const candidate of candidates) {
    if (chosen.length >= EXACT_COUNT_TABLES || candidate.bytes > budget) break
    budget -= candidate.bytes
    chosen.push(candidate)
  }
  const counts = new Map<string, number>()
  if (chosen.length === 0) return counts
  const counted = await db.rows<{ i: number; n: string }>(
    chosen.map((t, i) => `SELECT ${i} AS i, count(*) AS n FROM ${qualified(t.schema, t.table)}`).join(' UNION ALL '),
  )
  for (const { i, n } of counted) {
    const t = chosen[Number(i)]
    if (t) counts.set(`${t.schema}.${t.table}`, Number(n))
  }
  return counts
}

interface SessionRow {
  current_user: string
  session_user: string
  search_path: string
  customers_table: string | null
}

/** The segregation view: what the database holds, what a scope sees, and what PostgreSQL refuses. */
export const inspectHandlers: Pick<HandlerTable, 'inspect/schemas' | 'inspect/session' | 'inspect/probe-cross-tenant'> = {
  async 'inspect/schemas'(_input, _context, { tenancy }) {
    const rows = await tenancy.db.rows<SchemaRow>(SCHEMAS_SQL)
    const exact = await exactCounts(tenancy.db, rows)
    return rows.map(
      (row): SchemaInfo => ({
        name: row.name,
        tenant: row.tenant,
        owner: row.owner,
        tables: row.tables.map((table) => {
          const count = exact.get(`${row.name}.${table.name}`)
          return { name: table.name, rows: count === undefined ? estimate(table) : { count, exact: true } }
        }),
      }),
    )
  },

  async 'inspect/session'(input, context, services) {
    return inActiveTenant(input, context, services, async (scope): Promise<SessionInfo> => {
      const [row] = await scope.query<SessionRow>(SESSION_SQL)
      if (row === undefined) throw new Error('the session query returned no row')
      return {
        schema: scope.schema,
        currentUser: row.current_user,
        sessionUser: row.session_user,
        searchPath: row.search_path,
        customersTable: row.customers_table,
      }
    })
  },

  async 'inspect/probe-cross-tenant'(input, context, services) {
    const { tenancy } = services
    assertSchemaName(input.target, 'target')
    const known = await tenancy.db.rows('SELECT 1 FROM public.tenants WHERE schema = $1', [input.target])
    if (known.length === 0) {
      throw new SchemataError('TENANT_NOT_FOUND', `no tenant with schema "${input.target}" to probe`, { field: 'target' })
    }
    const sql = `SELECT count(*) AS count FROM ${quoteIdent(input.target)}.customers`
    return inActiveTenant(input, context, services, async (scope): Promise<ProbeResult> => {
      const base = { sql, from: scope.schema, target: input.target }
      try {
        // A savepoint: a refused statement aborts only it, not the scope's transaction.
        const [row] = await tenancy.db.sequelize.transaction({ transaction: scope.transaction }, (savepoint) =>
          tenancy.db.rows<{ count: string }>(sql, undefined, savepoint),
        )
        const count = Number(row?.count ?? 0)
        return { ...base, allowed: true, message: `PostgreSQL allowed the read: ${count} row${count === 1 ? '' : 's'}` }
      } catch (error) {
        // Only PostgreSQL's own refusal is the answer we show; anything else is a real failure.
        const pg = pgErrorOf(error)
        if (pg?.code !== SqlState.insufficientPrivilege) throw error
        return { ...base, allowed: false, sqlstate: pg.code, message: pg.message }
      }
    })
  },
}
