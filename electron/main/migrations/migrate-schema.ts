import type { Transaction } from 'sequelize'
import { Umzug } from 'umzug'
import type { Database } from '../db/database.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { MigrationFailedError } from '../errors.ts'
import { LEDGER_TABLE, TransactionalLedgerStorage, ledgerTableSql } from './ledger-storage.ts'
import { SCHEMA_LOCK_CLASS, schemaLockKey } from './lock-keys.ts'
import type { MigrationContext, MigrationDefinition } from './types.ts'

export interface MigrateSchemaOptions {
  schema: string
  migrations: readonly MigrationDefinition[]
  /** Tenant schemas mirror their ledger into `public.tenant_migrations`; `public` does not. */
  mirrorToCentral: boolean
  /** Run inside this transaction (tenant creation) instead of opening one. */
  transaction?: Transaction
  /**
   * The schema was created in `transaction`, which already set its search_path:
   * no lock, no ledger read, and no ledger rows written here — the caller
   * records the returned names itself, in one statement with its own rows.
   */
  fresh?: boolean
  onMigrated?: (name: string) => void
}

/** Binds a MigrationContext to one transaction. */
function contextFor(db: Database, schema: string, transaction: Transaction): MigrationContext {
  return {
    schema,
    query: (sql, bind) => db.query(sql, bind, transaction),
  }
}

/**
 * Applies the pending `migrations` to one schema, all in one transaction: the
 * schema's changes and both ledger rows commit together or not at all. A
 * transaction-scoped advisory lock on the schema makes a second migrator wait
 * here and then find nothing left to do, so nothing is ever applied twice.
 * Returns the names applied.
 */
export async function migrateSchema(db: Database, options: MigrateSchemaOptions): Promise<string[]> {
  const run = async (transaction: Transaction): Promise<string[]> => {
    const { schema } = options
    const context = contextFor(db, schema, transaction)
    let current: string | undefined
    try {
      // One round trip: lock, scope the DDL to the schema, make sure its ledger exists and
      // read it. The lock is taken in a DO block so that only the ledger's rows come back
      // (Sequelize concatenates the rows of every statement). Under READ COMMITTED the final
      // SELECT takes its snapshot after the lock, so it sees what a migrator we waited for committed.
      const setup = `DO $lock$ BEGIN PERFORM pg_advisory_xact_lock(${SCHEMA_LOCK_CLASS}, ${schemaLockKey(schema)}); END $lock$;
         SET LOCAL search_path TO ${quoteIdent(schema)}, public;
         ${ledgerTableSql(schema)};`
      let executed: string[] = []
      if (!options.fresh) {
        const rows = await db.rows<{ name: string }>(
          `${setup} SELECT name FROM ${qualified(schema, LEDGER_TABLE)} ORDER BY name`,
          undefined,
          transaction,
        )
        executed = rows.map((row) => String(row.name))
      }
      const ledger = new TransactionalLedgerStorage(schema, options.mirrorToCentral, context.query)
      const umzug = new Umzug<MigrationContext>({
        migrations: options.migrations.map((definition) => ({
          name: definition.name,
          up: ({ context: ctx }) => definition.up(ctx),
          down: ({ context: ctx }) =>
            definition.down ? definition.down(ctx) : Promise.reject(new Error(`${definition.name} has no down()`)),
        })),
        context,
        // What the schema has applied was read above, with the lock: no second round trip for it.
        storage: {
          executed: () => Promise.resolve(executed),
          logMigration: (params) => (options.fresh ? Promise.resolve() : ledger.logMigration(params)),
          unlogMigration: (params) => ledger.unlogMigration(params),
        },
        logger: undefined,
      })
      umzug.on('migrating', ({ name }) => {
        current = name
      })
      umzug.on('migrated', ({ name }) => {
        current = undefined
        options.onMigrated?.(name)
      })
      const applied = await umzug.up()
      return applied.map((migration) => migration.name)
    } catch (error) {
      // umzug wraps the PostgreSQL error in a MigrationError; keep the original as the cause.
      const cause = error instanceof Error && error.cause !== undefined ? error.cause : error
      throw new MigrationFailedError(schema, current, cause)
    }
  }
  if (options.transaction) return run(options.transaction)
  return db.sequelize.transaction((transaction) => run(transaction))
}
