import { AsyncLocalStorage } from 'node:async_hooks'
import type pg from 'pg'
import type { Transaction } from 'sequelize'
import type { Database } from '../db/database.ts'
import { SqlState, pgErrorOf } from '../db/pg-error.ts'
import { SchemataError, TenantNotFoundError, TenantSuspendedError } from '../errors.ts'
import { schemaLockKey } from '../db/lock-keys.ts'
import { assertSchemaName } from './schema-name.ts'

/** What code inside `withTenant` can see of its scope. */
export interface TenantScope {
  readonly schema: string
  /** The scope's transaction, for Sequelize calls that take one explicitly (savepoints). */
  readonly transaction: Transaction
  /** The tenant's role, once PostgreSQL has entered the scope (rejects like the scope itself). */
  readonly role: Promise<string>
  /** Runs SQL in the scope's transaction (as the tenant role, search_path tenant then public). */
  query: <T extends object = Record<string, unknown>>(sql: string, bind?: readonly unknown[]) => Promise<T[]>
  /** Runs a node-postgres query config in the scope (row mode, type parsers) and returns the whole result. */
  submit: (config: pg.QueryArrayConfig | pg.QueryConfig) => Promise<pg.QueryResult>
}

export interface ScopeOptions {
  /**
   * For scopes that only read: BEGIN READ ONLY, so PostgreSQL refuses any
   * write (25006), and the result comes back without waiting for COMMIT's
   * answer — a read-only transaction has nothing to make durable.
   */
  readOnly?: boolean
}

const scopes = new AsyncLocalStorage<TenantScope>()

/*
 * schemata_enter_tenant (shared migrations 0003, 0004, 0005) takes the schema's lock
 * in SHARE mode, so a rename, swap or drop waits for running scopes and
 * scopes arriving meanwhile wait for it; then it looks the tenant up and, only
 * if it is active, sets the transaction-local search_path and role
 * (set_config(..., true) is SET LOCAL); otherwise it raises. Doing the lookup
 * in the statement means a tenant suspended or dropped a moment ago is
 * refused, with no cache to go stale — and raising, rather than returning a
 * status for us to check, is what makes it safe to send the caller's first
 * query right behind it without waiting.
 */
const ENTER_SCOPE_SQL = 'SELECT public.schemata_enter_tenant($1, $2) AS role'

/** The refusal of schemata_enter_tenant as our typed error; anything else unchanged. */
function scopeError(error: unknown, schema: string): unknown {
  const pg = pgErrorOf(error)
  if (pg?.detail === 'schemata:tenant-not-found') return new TenantNotFoundError(schema)
  const status = /^schemata:tenant-(suspended|archived|moving|moved)$/.exec(pg?.detail ?? '')?.[1]
  if (status !== undefined) return new TenantSuspendedError(schema, status)
  if (pg?.code === SqlState.undefinedFunction) {
    return new SchemataError('MIGRATION_FAILED', 'shared migrations are pending (0004_tenant_lifecycle); run "migrate --shared" first', {
      cause: error,
    })
  }
  return error
}

/**
 * Runs `fn` in a transaction scoped to one tenant: search_path is the tenant's
 * schema then `public`, and the role is the tenant's NOLOGIN role, so another
 * tenant's tables are out of reach in PostgreSQL itself. Both are SET LOCAL:
 * when the transaction ends the pooled connection is exactly as before, which
 * is also what keeps this correct behind PgBouncer in transaction mode. Fails
 * closed: an unknown or suspended tenant gets an error, never `public`.
 *
 * BEGIN and the scope are sent without waiting, so `fn`'s first statement
 * shares their round trip: a one-read scope costs two round trips (that one
 * and COMMIT) instead of four. `query` hands back no row before the scope is
 * confirmed, and a model query issued behind a refused scope fails in
 * PostgreSQL (the transaction is already aborted); either way the refusal is
 * what `withTenant` throws. With `readOnly` COMMIT is not waited for either,
 * and a one-read scope costs what the read alone does: one round trip.
 * Without it, a body that returns one of its statements as it is
 * (`(scope) => scope.query(…)`, not an async function awaiting it) ends with
 * that statement: COMMIT is sent right behind it and answered in the same
 * flight, so a one-statement write is one round trip as well; `withTenant`
 * still resolves only once COMMIT has succeeded. Statements such a body left
 * running in the background can no longer join the transaction.
 */
export async function withTenant<T>(
  db: Database,
  schema: string,
  fn: (scope: TenantScope) => Promise<T>,
  options: ScopeOptions = {},
): Promise<T> {
  assertSchemaName(schema, 'schema')
  try {
    // resetSession: nothing the body did to the session (SET, PREPARE, LISTEN, locks, temp objects) goes back to the pool with it.
    return await db.transaction(async (tx) => {
      const entered = tx.rows<{ role: string }>(ENTER_SCOPE_SQL, [schema, schemaLockKey(schema)]).then(
        (rows) => String(rows[0]?.role),
        (error: unknown) => {
          throw scopeError(error, schema)
        },
      )
      // Observed here so a scope whose body never looks at it cannot leave an unhandled rejection.
      entered.catch(() => undefined)
      // The promises `query` and `submit` hand out, so a body that returns one of them is recognised.
      const statements = new WeakSet<Promise<unknown>>()
      const statement = <R>(sent: Promise<R>): Promise<R> => {
        // If the scope is refused this fails too (25P02); the refusal, awaited first, is what is thrown.
        const result = entered.then(() => sent)
        statements.add(result)
        return result
      }
      const scope: TenantScope = {
        schema,
        transaction: tx.sequelizeTransaction,
        role: entered,
        query: <R extends object>(sql: string, bind?: readonly unknown[]) => statement(tx.rows<R>(sql, bind)),
        submit: (config) => {
          const result = tx.submit(config)
          // Observed at once: like `rows`, a failure here is the transaction's and must not go unhandled.
          result.catch(() => undefined)
          return statement(result)
        },
      }
      const returned = scopes.run(scope, () => fn(scope))
      // A body that hands back one of its statements as its result (rather than awaiting it in an async
      // function) has finished: its code has run, and what it returns is that statement's answer. COMMIT
      // can then leave behind it, in the same flight, instead of a round trip after it; the scope still
      // resolves only once COMMIT has been answered (and rejects if COMMIT fails).
      if (statements.has(returned) && !options.readOnly) tx.commitNow()
      const result = await returned
      // A body that never touched the database must still not succeed in a refused scope.
      await entered
      return result
    }, { ...options, resetSession: db.sessionResetSql })
  } catch (error) {
    throw scopeError(error, schema)
  }
}

/** The scope the caller runs in; throws outside `withTenant` so tenant code can never fall back to `public`. */
export function requireScope(): TenantScope {
  const scope = scopes.getStore()
  if (!scope) throw new SchemataError('TENANT_NOT_FOUND', 'no tenant scope: this must run inside withTenant()')
  return scope
}
