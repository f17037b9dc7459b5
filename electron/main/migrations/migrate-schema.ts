import type { Database } from '../db/database.ts'
import { pgErrorOf } from '../db/pg-error.ts'
import { type DbTransaction, failedStatementLabel } from '../db/pipelined-transaction.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { lockSchemaSql } from '../db/tenant-sql.ts'
import { MigrationFailedError } from '../errors.ts'
import { LEDGER_TABLE, SchemaLedgerStorage, ledgerTableSql } from './ledger-storage.ts'
import type { MigrationContext, MigrationDefinition } from './types.ts'

export interface ApplyMigrationsOptions {
  schema: string
  migrations: readonly MigrationDefinition[]
  /** Tenant schemas mirror their ledger into `public.tenant_migrations`; `public` does not. */
  mirrorToCentral: boolean
  /**
   * What the schema has applied, when known: `[]` for a schema created in this
   * transaction; for a fleet run, the central ledger read under the
   * database-wide migrator lock. With it nothing is waited for before the
   * migrations go out. Without it the schema's own ledger is read first.
   */
  applied?: readonly string[]
  onMigrated?: (name: string) => void
  /**
   * How long any lock of this schema's transaction may be waited for (the
   * schema's own lock among them), ms; PostgreSQL fails the wait with 55P03.
   * A staged run sets it so one busy tenant cannot stall the fleet.
   */
  lockTimeoutMs?: number
  /** The label a statement of `migration` is sent under (default: the migration's name); an atomic run adds the schema. */
  labelOf?: (migration: string) => string
}

/** Name → file checksum of the migrations that have one (those loaded from files). */
export function checksumsOf(migrations: readonly MigrationDefinition[]): Map<string, string> {
  const sums = new Map<string, string>()
  for (const migration of migrations) if (migration.checksum !== undefined) sums.set(migration.name, migration.checksum)
  return sums
}

/** Takes the schema's lock, sets search_path to it and makes sure its ledger exists: how a migration transaction starts. */
export function setupSql(schema: string, lockTimeoutMs?: number): string {
  // The lock first: a second migrator (or a drop) of the same schema waits here. Under READ
  // COMMITTED each later statement takes its snapshot after the lock, so it sees what a
  // migrator we waited for committed. A lock timeout goes before it, so it bounds that wait too.
  const timeout = lockTimeoutMs === undefined ? '' : `SET LOCAL lock_timeout = ${lockTimeoutSetting(lockTimeoutMs)};\n    `
  return `${timeout}${lockSchemaSql(schema)};
    SET LOCAL search_path TO ${quoteIdent(schema)}, public, pg_temp;
    ${ledgerTableSql(schema)}`
}

/** A lock_timeout value as SQL: a whole number of milliseconds (0 would mean "wait forever", so at least 1). */
export function lockTimeoutSetting(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1) throw new Error(`lock timeout ${ms} ms is not a positive number of milliseconds`)
  return `'${Math.round(ms)}ms'`
}

/**
 * Applies the pending `migrations` to one schema, all in one transaction: the
 * schema's changes and both ledgers' rows commit together or not at all. A
 * transaction-scoped advisory lock on the schema makes a second migrator wait
 * and then find nothing left to do, so nothing is ever applied twice.
 * Statements are pipelined: with `applied` and migrations that `exec`, a
 * schema costs one round trip — its COMMIT. Returns the names applied.
 */
export async function migrateSchema(db: Database, options: ApplyMigrationsOptions): Promise<string[]> {
  try {
    // A project's migration may SET something at session level; that must not ride the pooled connection on.
    return await db.transaction(
      (tx) => {
        tx.exec(setupSql(options.schema, options.lockTimeoutMs))
        return applyMigrations(tx, options)
      },
      { resetSession: db.sessionResetSql },
    )
  } catch (error) {
    throw asMigrationFailure(options.schema, error)
  }
}

/**
 * Runs the migrations the schema lacks through umzug in `tx`, which is already
 * in the schema (its search_path set, its ledger table there); the storage
 * records each one behind its SQL. Each statement is sent under its
 * migration's name, so a failure PostgreSQL reports only at COMMIT still names
 * it. Returns the names applied.
 */
export async function applyMigrations(tx: DbTransaction, options: ApplyMigrationsOptions): Promise<string[]> {
  const { schema } = options
  let current: string | undefined
  const label = (): string | undefined => (current === undefined || options.labelOf === undefined ? current : options.labelOf(current))
  const context: MigrationContext = {
    schema,
    query: (sql, bind) => tx.rows(sql, bind, label()),
    exec: (sql, bind) => {
      tx.exec(sql, bind, label())
      return Promise.resolve()
    },
  }
  // Loaded here, not at the top: umzug's entry loads its own command-line
  // parser (@rushstack/ts-command-line), a large share of a CLI command's
  // start-up, and only a run that applies migrations needs it.
  const { Umzug } = await import('umzug')
  const umzug = new Umzug<MigrationContext>({
    migrations: options.migrations.map((definition) => ({
      name: definition.name,
      up: ({ context: ctx }) => definition.up(ctx),
      down: ({ context: ctx }) => (definition.down ? definition.down(ctx) : Promise.reject(new Error(`${definition.name} has no down()`))),
    })),
    context,
    storage: new SchemaLedgerStorage(schema, {
      mirrorToCentral: options.mirrorToCentral,
      ...(options.applied === undefined ? {} : { applied: options.applied }),
      checksums: checksumsOf(options.migrations),
    }),
    logger: undefined,
  })
  umzug.on('migrating', ({ name }) => {
    current = name
  })
  umzug.on('migrated', ({ name }) => {
    current = undefined
    options.onMigrated?.(name)
  })
  try {
    return (await umzug.up()).map((migration) => migration.name)
  } catch (error) {
    // umzug wraps what a migration threw. A failed statement is the transaction's to report
    // (it knows which failed first, and under which migration); anything else is this one's.
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error
    if (pgErrorOf(cause) !== undefined) throw cause
    throw new MigrationFailedError(schema, current, cause)
  }
}

/**
 * Reverts applied migrations of a schema in `tx` (already in the schema, as
 * `applyMigrations` expects), in the order given — newest first — each
 * migration's down and then its rows in both ledgers. Every statement is
 * sent under the migration's name, so a failure names it.
 */
export async function revertMigrations(
  tx: DbTransaction,
  options: { schema: string; migrations: readonly MigrationDefinition[]; mirrorToCentral: boolean; onReverted?: (name: string) => void },
): Promise<string[]> {
  const { schema } = options
  const reverted: string[] = []
  for (const migration of options.migrations) {
    const context: MigrationContext = {
      schema,
      query: (sql, bind) => tx.rows(sql, bind, migration.name),
      exec: (sql, bind) => {
        tx.exec(sql, bind, migration.name)
        return Promise.resolve()
      },
    }
    if (!migration.down) throw new MigrationFailedError(schema, migration.name, new Error(`${migration.name} has no down section`))
    try {
      await migration.down(context)
    } catch (error) {
      if (pgErrorOf(error) !== undefined) throw error
      throw new MigrationFailedError(schema, migration.name, error)
    }
    const ledger = qualified(schema, LEDGER_TABLE)
    if (options.mirrorToCentral) {
      tx.exec(`WITH own AS (DELETE FROM ${ledger} WHERE name = $1) DELETE FROM public.tenant_migrations WHERE schema = $2 AND name = $1`, [migration.name, schema], migration.name)
    } else {
      tx.exec(`DELETE FROM ${ledger} WHERE name = $1`, [migration.name], migration.name)
    }
    reverted.push(migration.name)
    options.onReverted?.(migration.name)
  }
  return reverted
}

/** A failure in one schema as MigrationFailedError: PostgreSQL's first error, with the migration it was sent for. */
export function asMigrationFailure(schema: string, error: unknown): MigrationFailedError {
  if (error instanceof MigrationFailedError) return error
  return new MigrationFailedError(schema, failedStatementLabel(error), error)
}

/**
 * Whether the schema's own ledger holds one of `planned`, which the central
 * ledger said were pending: the ledgers were changed by hand, and the schema
 * must be migrated reading its own ledger first.
 */
export async function ownLedgerHoldsAny(db: Database, schema: string, planned: readonly string[]): Promise<boolean> {
  const ledger = qualified(schema, LEDGER_TABLE)
  const [present] = await db.rows<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [ledger])
  // No schema (dropped meanwhile) or no ledger yet: nothing there is ahead of the plan.
  if (present?.present !== true) return false
  const [row] = await db.rows<{ held: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${ledger} WHERE name = ANY($1::text[])) AS held`, [planned])
  return row?.held === true
}
