import { Umzug } from 'umzug'
import type { Database } from '../db/database.ts'
import { SqlState, pgErrorOf } from '../db/pg-error.ts'
import { PipelinedTransaction } from '../db/pipelined-transaction.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { lockSchemaSql } from '../db/tenant-sql.ts'
import { MigrationFailedError } from '../errors.ts'
import { LEDGER_TABLE, TransactionalLedgerStorage, ledgerTableSql, recordApplied, recordAppliedInline } from './ledger-storage.ts'
import type { MigrationContext, MigrationDefinition } from './types.ts'

export interface MigrateSchemaOptions {
  schema: string
  migrations: readonly MigrationDefinition[]
  /** Tenant schemas mirror their ledger into `public.tenant_migrations`; `public` does not. */
  mirrorToCentral: boolean
  /**
   * The schema was created in this transaction (tenant creation), which
   * already set its search_path and will commit: no lock, no ledger read, and
   * no ledger rows written here — the caller records the returned names itself,
   * in one statement with its own rows.
   */
  freshIn?: PipelinedTransaction
  /**
   * What the central ledger says the schema has applied, read by a migrator
   * holding the database-wide migrator lock. With it nothing is waited for
   * before the migrations go out. Should the schema's own ledger already hold
   * one of them (it was changed by hand), recording it again violates the
   * ledger's primary key and the whole transaction rolls back — so nothing is
   * ever applied twice — and the migrator redoes the schema the careful way.
   */
  expectedApplied?: readonly string[]
  onMigrated?: (name: string) => void
}

/** The schema's own ledger already held a migration the plan (the central ledger) thought pending. */
export function isLedgerAhead(error: unknown): boolean {
  const pg = pgErrorOf(error)
  return pg?.code === SqlState.uniqueViolation && pg.constraint === `${LEDGER_TABLE}_pkey`
}

function setupSql(schema: string): string {
  // The lock first: a second migrator (or a drop) of the same schema waits here. Under READ
  // COMMITTED each later statement takes its snapshot after the lock, so it sees what a
  // migrator we waited for committed.
  return `${lockSchemaSql(schema)};
    SET LOCAL search_path TO ${quoteIdent(schema)}, public;
    ${ledgerTableSql(schema)};`
}

/** The migrations not in `applied`, in order: what umzug will run. */
function pendingOf(migrations: readonly MigrationDefinition[], applied: readonly string[]): string[] {
  const done = new Set(applied)
  return migrations.map((m) => m.name).filter((name) => !done.has(name))
}

/**
 * The schema's own ledger, read under its lock. It is the truth: for a tenant,
 * what it holds and the central ledger lacks is copied there.
 */
async function readLedger(tx: PipelinedTransaction, schema: string, mirrorToCentral: boolean): Promise<string[]> {
  const rows = await tx.rows<{ name: string }>(`SELECT name FROM ${qualified(schema, LEDGER_TABLE)} ORDER BY name`)
  const names = rows.map((row) => String(row.name))
  if (mirrorToCentral && names.length > 0) {
    void tx.send('INSERT INTO public.tenant_migrations (schema, name) SELECT $1::text, unnest($2::text[]) ON CONFLICT DO NOTHING', [
      schema,
      names,
    ])
  }
  return names
}

/**
 * Applies the pending `migrations` to one schema, all in one transaction: the
 * schema's changes and both ledger rows commit together or not at all. A
 * transaction-scoped advisory lock on the schema makes a second migrator wait
 * and then find nothing left to do, so nothing is ever applied twice.
 * Statements are pipelined: with `expectedApplied` and migrations that `exec`,
 * a schema costs one round trip — its COMMIT. Returns the names applied.
 */
export async function migrateSchema(db: Database, options: MigrateSchemaOptions): Promise<string[]> {
  if (options.freshIn) return applyPending(options.freshIn, options, [])
  const { schema } = options
  const planned = options.expectedApplied
  // The schema's setup (lock, search_path, ledger table) rides in BEGIN's message; so do the
  // ledger rows when the plan is known: recorded before the migrations run, in the same
  // transaction, so if the schema's own ledger already holds one, its primary key stops the
  // transaction before any of their SQL.
  const pendingByPlan = planned === undefined ? [] : pendingOf(options.migrations, planned)
  const prelude =
    pendingByPlan.length === 0
      ? setupSql(schema)
      : `${setupSql(schema)}\n${recordAppliedInline(schema, options.mirrorToCentral, pendingByPlan)}`
  const tx = await PipelinedTransaction.open(db.sequelize, { prelude })
  try {
    let executed = planned
    if (executed === undefined) {
      executed = await readLedger(tx, schema, options.mirrorToCentral)
      const pending = pendingOf(options.migrations, executed)
      if (pending.length > 0) {
        const record = recordApplied(schema, options.mirrorToCentral, pending)
        void tx.send(record.sql, record.bind)
      }
    }
    const applied = await applyPending(tx, options, executed)
    await tx.commit()
    return applied
  } catch (error) {
    await tx.rollback()
    throw error instanceof MigrationFailedError ? error : migrationFailure(tx, schema, error, undefined)
  }
}

/**
 * Runs the migrations `executed` lacks through umzug, in `tx`; the ledger rows
 * are the caller's. Each statement is labelled with its migration, so a
 * failure PostgreSQL reports only at COMMIT still names it.
 */
async function applyPending(tx: PipelinedTransaction, options: MigrateSchemaOptions, executed: readonly string[]): Promise<string[]> {
  const { schema } = options
  let current: string | undefined
  const context: MigrationContext = {
    schema,
    query: (sql, bind) => tx.rows(sql, bind, current),
    exec: (sql, bind) => {
      if (bind === undefined || bind.length === 0) tx.queue(sql, current)
      else void tx.send(sql, bind, current)
      return Promise.resolve()
    },
  }
  try {
    const ledger = new TransactionalLedgerStorage(schema, options.mirrorToCentral, executed, context.exec)
    const umzug = new Umzug<MigrationContext>({
      migrations: options.migrations.map((definition) => ({
        name: definition.name,
        up: ({ context: ctx }) => definition.up(ctx),
        down: ({ context: ctx }) =>
          definition.down ? definition.down(ctx) : Promise.reject(new Error(`${definition.name} has no down()`)),
      })),
      context,
      storage: ledger,
      logger: undefined,
    })
    umzug.on('migrating', ({ name }) => {
      current = name
    })
    umzug.on('migrated', ({ name }) => {
      current = undefined
      options.onMigrated?.(name)
    })
    await umzug.up()
    const pending = pendingOf(options.migrations, executed)
    if (ledger.applied.join('\u0000') !== pending.join('\u0000')) {
      throw new Error(`umzug applied [${ledger.applied.join(', ')}], the ledger recorded [${pending.join(', ')}]`)
    }
    return ledger.applied
  } catch (error) {
    throw migrationFailure(tx, schema, error, current)
  }
}

/** A failure in one schema as MigrationFailedError: PostgreSQL's first error, with the migration it belongs to. */
function migrationFailure(tx: PipelinedTransaction, schema: string, error: unknown, current: string | undefined): MigrationFailedError {
  // umzug wraps the PostgreSQL error in a MigrationError; keep the original as the cause.
  const unwrapped = error instanceof Error && error.cause !== undefined ? error.cause : error
  const cause = tx.rootCause(unwrapped)
  const failed = tx.failureOf(cause)
  return new MigrationFailedError(schema, failed ? failed.label : current, cause)
}
