import { randomBytes } from 'node:crypto'
import type { Database } from '../db/database.ts'
import { PipelinedTransaction } from '../db/pipelined-transaction.ts'
import { quoteIdent } from '../db/sql.ts'
import { ledgerTableSql } from '../migrations/ledger-storage.ts'
import { migrateSchema } from '../migrations/migrate-schema.ts'
import type { MigrationDefinition } from '../migrations/types.ts'
import { type SchemaShape, readShapes } from './catalog-shape.ts'

/**
 * The shape `migrations` produce on an empty schema: a scratch schema is
 * created and migrated by the real migrator inside a transaction that is
 * always rolled back, so nothing of it is ever visible to anyone else.
 */
export async function referenceShape(db: Database, migrations: readonly MigrationDefinition[]): Promise<SchemaShape> {
  const schema = `schemata_doctor_ref_${randomBytes(6).toString('hex')}`
  const transaction = await PipelinedTransaction.open(db.sequelize)
  try {
    // Exactly what provisioning gives a new tenant before its migrations: schema, ledger, search_path.
    void transaction.send(`CREATE SCHEMA ${quoteIdent(schema)}; ${ledgerTableSql(schema)}; SET LOCAL search_path TO ${quoteIdent(schema)}, public;`)
    await migrateSchema(db, { schema, migrations, mirrorToCentral: false, freshIn: transaction })
    const shapes = await readShapes(db, [schema], transaction.sequelizeTransaction)
    return shapes.get(schema) ?? new Map()
  } finally {
    await transaction.rollback()
  }
}

/** Builds each distinct reference once: most tenants share one migration level. */
export class ReferenceShapes {
  private readonly cache = new Map<string, Promise<SchemaShape>>()

  constructor(private readonly db: Database) {}

  /** The reference for exactly these migrations, applied in the order given. */
  get(migrations: readonly MigrationDefinition[]): Promise<SchemaShape> {
    const key = migrations.map((m) => m.name).join('\u0000')
    let shape = this.cache.get(key)
    if (!shape) {
      shape = referenceShape(this.db, migrations)
      this.cache.set(key, shape)
    }
    return shape
  }
}
