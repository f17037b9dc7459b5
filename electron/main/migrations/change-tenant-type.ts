import type { Database } from '../db/database.ts'
import { InvalidInputError, TenantNotFoundError, quoteForMessage } from '../errors.ts'
import { displayPath } from '../project/display-path.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { ChangedMigrationError, auditChecksums, migrationsByName } from './checksums.ts'
import { LEDGER_TABLE } from './ledger-storage.ts'
import type { MigrationSets } from './migrate-schemas.ts'
import { applyMigrations, asMigrationFailure, revertMigrations, setupSql } from './migrate-schema.ts'
import { withMigratorLock } from './migrator-lock.ts'
import { qualified } from '../db/sql.ts'

/** What changing a tenant's type did. */
export interface TypeChange {
  schema: string
  from: string
  to: string
  /** Migrations the new type lacks, reverted newest first. */
  reverted: string[]
  /** Migrations the new type adds, applied in order. */
  applied: string[]
}

/**
 * Changes a tenant's type, as one migration of its schema: the migrations the
 * new type lacks are reverted (their down sections, newest first), the ones
 * it adds are applied, and the registry records the new type — all in one
 * transaction under the migrator lock and the schema's lock, so it either
 * happens whole or not at all. Refused before anything runs when a migration
 * to revert has no down section, or an applied file changed.
 */
export async function changeTenantType(
  db: Database,
  sets: MigrationSets,
  schema: string,
  type: string,
  options: { wait?: boolean; onStep?: (step: { action: 'reverted' | 'applied'; migration: string }) => void } = {},
): Promise<TypeChange> {
  assertSchemaName(schema, 'schema')
  const target = sets.types.get(type)
  if (target === undefined) {
    throw new InvalidInputError('type', `${quoteForMessage(type)} is not a tenant type of this project (one of ${[...sets.types.keys()].map((t) => `"${t}"`).join(', ')})`)
  }
  return withMigratorLock(db, { wait: options.wait ?? true }, async () => {
    const [row] = await db.rows<{ type: string; status: string }>('SELECT type, status FROM public.tenants WHERE schema = $1', [schema])
    if (!row || row.status === 'pooled') throw new TenantNotFoundError(schema)
    if (row.status !== 'active' && row.status !== 'suspended') {
      throw new InvalidInputError('schema', `tenant "${schema}" is ${row.status}: its data is not in this database`)
    }
    if (row.type === type) return { schema, from: type, to: type, reverted: [], applied: [] }
    const byName = migrationsByName(sets.types.values())
    const audit = await auditChecksums(db, [], byName, { schema, shared: false })
    if (audit.changed.length > 0) throw new ChangedMigrationError(audit.changed, displayPath)
    const wanted = new Set(target.map((m) => m.name))
    try {
      return await db.transaction(async (tx) => {
        tx.exec(setupSql(schema))
        const own = (await tx.rows<{ name: string }>(`SELECT name FROM ${qualified(schema, LEDGER_TABLE)} ORDER BY name`)).map((r) => r.name)
        const toRevert = own.filter((name) => !wanted.has(name)).sort().reverse()
        const revert = toRevert.map((name) => {
          const migration = byName.get(name)
          if (migration === undefined) {
            throw new InvalidInputError('type', `tenant "${schema}" has applied ${name}, which no type of this project has, so it cannot be reverted`)
          }
          if (migration.down === undefined) {
            const where = migration.file === undefined ? name : displayPath(migration.file)
            throw new InvalidInputError('type', `changing "${schema}" from "${row.type}" to "${type}" reverts ${name}, which has no down section (${where})`)
          }
          return migration
        })
        const reverted = await revertMigrations(tx, {
          schema,
          migrations: revert,
          mirrorToCentral: true,
          onReverted: (migration) => options.onStep?.({ action: 'reverted', migration }),
        })
        const kept = own.filter((name) => wanted.has(name))
        const applied = await applyMigrations(tx, {
          schema,
          migrations: target,
          mirrorToCentral: true,
          applied: kept,
          onMigrated: (migration) => options.onStep?.({ action: 'applied', migration }),
        })
        tx.exec('UPDATE public.tenants SET type = $2, updated_at = now() WHERE schema = $1', [schema, type])
        return { schema, from: row.type, to: type, reverted, applied }
      })
    } catch (error) {
      if (error instanceof InvalidInputError) throw error
      throw asMigrationFailure(schema, error)
    }
  })
}
