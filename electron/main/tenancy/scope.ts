import { AsyncLocalStorage } from 'node:async_hooks'
import type { Transaction } from 'sequelize'
import type { Database } from '../db/database.ts'
import { SchemataError, TenantNotFoundError, TenantSuspendedError } from '../errors.ts'
import { assertSchemaName } from './schema-name.ts'

/** What code inside `withTenant` can see of its scope. */
export interface TenantScope {
  readonly schema: string
  readonly role: string
  readonly transaction: Transaction
  /** Runs SQL in the scope's transaction (as the tenant role, search_path tenant then public). */
  query: <T extends object = Record<string, unknown>>(sql: string, bind?: readonly unknown[]) => Promise<T[]>
}

const scopes = new AsyncLocalStorage<TenantScope>()

/*
 * One round trip looks the tenant up and, only if it is active, sets the
 * transaction-local search_path and role (set_config(..., true) is SET LOCAL).
 * Doing the lookup in the same statement means a tenant suspended or dropped a
 * moment ago is refused, with no cache to go stale.
 */
const ENTER_SCOPE_SQL = `
  SELECT t.status, t.role,
         CASE WHEN t.status = 'active' THEN set_config('search_path', format('%I, public', t.schema), true) END AS search_path,
         CASE WHEN t.status = 'active' THEN set_config('role', t.role, true) END AS role_set
    FROM public.tenants t
   WHERE t.schema = $1`

/**
 * Runs `fn` in a transaction scoped to one tenant: search_path is the tenant's
 * schema then `public`, and the role is the tenant's NOLOGIN role, so another
 * tenant's tables are out of reach in PostgreSQL itself. Both are SET LOCAL:
 * when the transaction ends the pooled connection is exactly as before, which
 * is also what keeps this correct behind PgBouncer in transaction mode. Fails
 * closed: an unknown or suspended tenant gets an error, never `public`.
 */
export async function withTenant<T>(db: Database, schema: string, fn: (scope: TenantScope) => Promise<T>): Promise<T> {
  assertSchemaName(schema, 'schema')
  return db.sequelize.transaction(async (transaction) => {
    const [row] = await db.rows<{ status: string; role: string }>(ENTER_SCOPE_SQL, [schema], transaction)
    if (!row) throw new TenantNotFoundError(schema)
    if (row.status !== 'active') throw new TenantSuspendedError(schema)
    const scope: TenantScope = {
      schema,
      role: row.role,
      transaction,
      query: (sql, bind) => db.rows(sql, bind, transaction),
    }
    return scopes.run(scope, () => fn(scope))
  })
}

/** The scope the caller runs in, or undefined outside `withTenant`. */
export function currentScope(): TenantScope | undefined {
  return scopes.getStore()
}

/** The scope the caller runs in; throws outside `withTenant` so tenant code can never fall back to `public`. */
export function requireScope(): TenantScope {
  const scope = scopes.getStore()
  if (!scope) throw new SchemataError('TENANT_NOT_FOUND', 'no tenant scope: this must run inside withTenant()')
  return scope
}
