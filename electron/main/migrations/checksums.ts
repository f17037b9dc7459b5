import type { Database } from '../db/database.ts'
import { qualified } from '../db/sql.ts'
import { lockSchemaSql } from '../db/tenant-sql.ts'
import { SchemataError } from '../errors.ts'
import { LEDGER_TABLE } from './ledger-storage.ts'
import { checksumsOf } from './migrate-schema.ts'
import { runBounded } from './run-bounded.ts'
import type { MigrationDefinition } from './types.ts'

/** An applied migration whose file no longer has the checksum it was applied with. */
export interface ChangedMigration {
  name: string
  /** The file, when the migration came from one. */
  file?: string
  /** `public`, or the tenant schemas that applied it (sorted). */
  schemas: string[]
}

/**
 * Applied migrations whose files changed since: refused (invalid input,
 * nothing changed) until the file is restored or the change is accepted with
 * `migrate --repair-checksums`. The message names the file and a tenant.
 */
export class ChangedMigrationError extends SchemataError {
  readonly changed: readonly ChangedMigration[]

  constructor(changed: readonly ChangedMigration[], shown: (file: string) => string) {
    const [first] = changed
    const where = first?.file !== undefined ? shown(first.file) : (first?.name ?? 'migration')
    const [schema, ...more] = first?.schemas ?? []
    const applied = schema === 'public' ? 'applied to public (a shared migration)' : `applied to tenant "${schema ?? ''}"${more.length > 0 ? ` (and ${more.length} other tenant${more.length === 1 ? '' : 's'})` : ''}`
    const others = changed.length > 1 ? `; ${changed.length - 1} other changed migration${changed.length === 2 ? '' : 's'} too` : ''
    super(
      'INVALID_INPUT',
      `${where}: changed since it was ${applied}${others}; restore the file, or run "schemata migrate --repair-checksums" if the change is deliberate`,
      { field: where },
    )
    this.changed = changed
  }
}

/** Every migration of the project by name (a name means one file project-wide). */
export function migrationsByName(lists: Iterable<readonly MigrationDefinition[]>): Map<string, MigrationDefinition> {
  const byName = new Map<string, MigrationDefinition>()
  for (const list of lists) for (const migration of list) byName.set(migration.name, migration)
  return byName
}

function unnestArgs(sums: ReadonlyMap<string, string>): [string[], string[]] {
  return [[...sums.keys()], [...sums.values()]]
}

async function hasColumn(db: Database, table: string, column: string): Promise<boolean> {
  const [row] = await db.rows<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                     WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped) AS present`,
    [table, column],
  )
  return row?.present === true
}

/** What the ledgers say about the checksums of these migrations: rows that differ, and rows with none recorded. */
export interface ChecksumAudit {
  changed: ChangedMigration[]
  /** Schemas (`public` included) holding applied migrations with no checksum recorded yet. */
  unrecorded: string[]
}

/**
 * Compares the checksums recorded in `public`'s ledger and in the central
 * ledger (for the tenants, or only `schema`) with the files': one query each.
 * A ledger without the checksum column yet (Schemata's registry migration
 * that adds it is still pending) has nothing to compare.
 */
export async function auditChecksums(
  db: Database,
  shared: readonly MigrationDefinition[],
  tenant: ReadonlyMap<string, MigrationDefinition>,
  options: { schema?: string; shared?: boolean; tenants?: boolean },
): Promise<ChecksumAudit> {
  const changed: ChangedMigration[] = []
  const unrecorded: string[] = []
  const sharedSums = checksumsOf(shared)
  if (options.shared !== false && sharedSums.size > 0 && (await hasColumn(db, `public.${LEDGER_TABLE}`, 'checksum'))) {
    const rows = await db.rows<{ name: string; checksum: string | null }>(
      `SELECT m.name, m.checksum FROM public.${LEDGER_TABLE} m
         JOIN unnest($1::text[], $2::text[]) AS k(name, checksum) ON k.name = m.name
        WHERE m.checksum IS DISTINCT FROM k.checksum ORDER BY m.name`,
      unnestArgs(sharedSums),
    )
    for (const row of rows) {
      if (row.checksum === null) continue
      const file = shared.find((m) => m.name === row.name)?.file
      changed.push({ name: row.name, ...(file === undefined ? {} : { file }), schemas: ['public'] })
    }
    if (rows.some((row) => row.checksum === null)) unrecorded.push('public')
  }
  const tenantSums = checksumsOf([...tenant.values()])
  if (options.tenants !== false && tenantSums.size > 0 && (await hasColumn(db, 'public.tenant_migrations', 'checksum'))) {
    // One row per changed migration (and one for the unrecorded), not per tenant: at 10,000
    // tenants an edited file would otherwise ship 10,000 rows to say one thing.
    const rows = await db.rows<{ name: string; unrecorded: boolean; schemas: string[] }>(
      `SELECT m.name, m.checksum IS NULL AS unrecorded, array_agg(m.schema ORDER BY m.schema) AS schemas
         FROM public.tenant_migrations m
         JOIN unnest($1::text[], $2::text[]) AS k(name, checksum) ON k.name = m.name
        WHERE m.checksum IS DISTINCT FROM k.checksum AND ($3::text IS NULL OR m.schema = $3)
        GROUP BY m.name, m.checksum IS NULL ORDER BY m.name`,
      [...unnestArgs(tenantSums), options.schema ?? null],
    )
    const missing = new Set<string>()
    for (const row of rows) {
      if (row.unrecorded) {
        for (const schema of row.schemas) missing.add(schema)
        continue
      }
      const file = tenant.get(row.name)?.file
      changed.push({ name: row.name, ...(file === undefined ? {} : { file }), schemas: row.schemas })
    }
    unrecorded.push(...[...missing].sort())
  }
  return { changed, unrecorded }
}

/**
 * Writes the files' checksums into a schema's ledgers (its own and, for a
 * tenant, the central one), under the schema's lock: only where none is
 * recorded (`missing`: the first run after checksums existed), or wherever
 * they differ (`all`: `migrate --repair-checksums`, a change made on purpose).
 * Returns the migrations whose rows changed.
 */
export async function recordChecksums(
  db: Database,
  schema: string,
  sums: ReadonlyMap<string, string>,
  mode: 'missing' | 'all',
): Promise<string[]> {
  if (sums.size === 0) return []
  const differs = mode === 'missing' ? 'l.checksum IS NULL' : 'l.checksum IS DISTINCT FROM k.checksum'
  const own = qualified(schema, LEDGER_TABLE)
  return db.transaction(async (tx) => {
    tx.exec(lockSchemaSql(schema))
    const ownRows = await tx.rows<{ name: string }>(
      `UPDATE ${own} AS l SET checksum = k.checksum FROM unnest($1::text[], $2::text[]) AS k(name, checksum)
        WHERE l.name = k.name AND ${differs} RETURNING l.name`,
      unnestArgs(sums),
    )
    if (schema === 'public') return ownRows.map((row) => row.name).sort()
    const centralRows = await tx.rows<{ name: string }>(
      `UPDATE public.tenant_migrations AS l SET checksum = k.checksum FROM unnest($1::text[], $2::text[]) AS k(name, checksum)
        WHERE l.schema = $3 AND l.name = k.name AND ${differs} RETURNING l.name`,
      [...unnestArgs(sums), schema],
    )
    return [...new Set([...ownRows, ...centralRows].map((row) => row.name))].sort()
  })
}

/**
 * `recordChecksums` over many schemas at bounded concurrency (one name means
 * one file project-wide, so one map serves every type); returns the schemas
 * whose rows changed, with their migrations.
 */
export async function recordChecksumsIn(
  db: Database,
  schemas: readonly string[],
  sums: ReadonlyMap<string, string>,
  mode: 'missing' | 'all',
  concurrency: number,
): Promise<{ schema: string; names: string[] }[]> {
  const results = await runBounded(schemas, concurrency, async (schema) => ({ schema, names: await recordChecksums(db, schema, sums, mode) }))
  return results.filter((result) => result.names.length > 0)
}
