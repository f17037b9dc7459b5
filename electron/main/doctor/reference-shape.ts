import { randomBytes } from 'node:crypto'
import type { Database } from '../db/database.ts'
import { quoteIdent } from '../db/sql.ts'
import { ledgerTableSql } from '../migrations/ledger-storage.ts'
import { applyMigrations } from '../migrations/migrate-schema.ts'
import type { MigrationDefinition } from '../migrations/types.ts'
import { type SchemaShape, type ShapeItem, readShapes } from './catalog-shape.ts'

/**
 * The shape `migrations` produce on an empty schema: a scratch schema is
 * created and migrated by the real migrator inside a transaction that is
 * always rolled back, so nothing of it is ever visible to anyone else.
 */
export async function referenceShape(db: Database, migrations: readonly MigrationDefinition[]): Promise<SchemaShape> {
  const schema = `schemata_doctor_ref_${randomBytes(6).toString('hex')}`
  return db.transaction<SchemaShape>(
    async (tx) => {
      // Exactly what provisioning gives a new tenant before its migrations: schema, ledger, search_path.
      tx.exec(`CREATE SCHEMA ${quoteIdent(schema)}; ${ledgerTableSql(schema)}; SET LOCAL search_path TO ${quoteIdent(schema)}, public, pg_temp`)
      await applyMigrations(tx, { schema, migrations, mirrorToCentral: false, applied: [] })
      const shapes = await readShapes(db, [schema], tx.sequelizeTransaction)
      return shapes.get(schema) ?? new Map<string, ShapeItem>()
    },
    { discard: true },
  )
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
