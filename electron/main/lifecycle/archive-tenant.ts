import { createReadStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { dropTenantObjectsSql, lockSchemasSql } from '../db/tenant-sql.ts'
import { InvalidInputError, SchemataError, TenantNotFoundError } from '../errors.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import type { Tenant } from '../tenancy/tenant-registry.ts'
import { ExportFileError, ExportReader } from './export-format.ts'
import { exportTenantToFile } from './export-tenant.ts'
import { importTenantFromFile } from './import-tenant.ts'
import type { LifecycleProgress } from './progress.ts'
import type { ArchiveSummary } from '../../../contract/types.ts'

export interface ArchiveOptions {
  schema: string
  /** The archive file; default `<dir>/<schema>-<timestamp>.tenant`. */
  out?: string
  /** Where archives go when `out` is not given. */
  dir: string
  onProgress?: (progress: LifecycleProgress) => void
}

/**
 * Reads a whole export file back, checking every part's checksum and the
 * closing line; returns the closing checksum and each table's row count.
 */
export async function verifyExportFile(path: string): Promise<{ sha256: string; rows: Map<string, number> }> {
  const reader = await ExportReader.open(createReadStream(path, { highWaterMark: 1024 * 1024 }))
  const rows = new Map<string, number>()
  for (let part = await reader.next(); part !== undefined; part = await reader.next()) {
    for await (const chunk of part.body()) void chunk
    if (part.kind === 'table') rows.set(part.name, part.trailer().rows ?? 0)
  }
  const sha256 = reader.checksum
  if (sha256 === undefined) throw new ExportFileError('was not read to its end')
  return { sha256, rows }
}

/**
 * Archives a tenant: suspends it (waiting for its running scopes), exports it
 * to a file, reads the file back to verify every checksum and count, and only
 * then drops its schema and role in one transaction that leaves an `archived`
 * registry row (name, schema and domains stay reserved) with the file's path,
 * checksum and time. A failure before the drop resumes the tenant as it was;
 * a crash leaves it suspended with its data, and archiving again finishes.
 */
export async function archiveTenant(tenancy: Tenancy, options: ArchiveOptions): Promise<ArchiveSummary> {
  const { db } = tenancy
  assertSchemaName(options.schema, 'schema')
  const { schema } = options
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const path = resolve(options.out ?? join(options.dir, `${schema}-${stamp}.tenant`))
  if (options.out !== undefined && !isAbsolute(options.out) && options.out.trim() === '') throw new InvalidInputError('out', 'must name a file')
  await mkdir(join(path, '..'), { recursive: true })

  // Suspend first, under the exclusive lock: running scopes finish, new ones are refused, so no
  // write can land after the export's snapshot and be lost with the drop.
  const [before] = await db.transaction((tx) => {
    tx.exec(lockSchemasSql([schema]))
    return tx.rows<{ status: string }>(
      `WITH old AS (SELECT id, status FROM public.tenants WHERE schema = $1 FOR UPDATE),
            s AS (UPDATE public.tenants t SET status = 'suspended', updated_at = now() FROM old
                   WHERE t.id = old.id AND old.status IN ('active', 'suspended'))
       SELECT status FROM old`,
      [schema],
    )
  })
  if (!before || before.status === 'pooled') throw new TenantNotFoundError(schema)
  if (before.status !== 'active' && before.status !== 'suspended') {
    throw new InvalidInputError('schema', `tenant "${schema}" is ${before.status}; only active or suspended tenants can be archived`)
  }
  tenancy.resolver.invalidate()
  const restore = async () => {
    if (before.status === 'active') await tenancy.setStatus(schema, 'active').catch(() => undefined)
  }
  try {
    const exported = await exportTenantToFile(db, path, { schema, migrations: tenancy.migrations, ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
    options.onProgress?.({ phase: 'verify', rowsDone: 0, rowsTotal: exported.rows, bytes: exported.bytes })
    const verified = await verifyExportFile(path)
    if (verified.sha256 !== exported.sha256) throw new SchemataError('INTERNAL', `the archive ${path} reads back with another checksum than was written`)
    for (const table of exported.manifest.tables) {
      if (verified.rows.get(table.name) !== table.rows) throw new SchemataError('INTERNAL', `the archive ${path} lost rows of table ${table.name}`)
    }
    const archivedAt = await db.transaction(async (tx) => {
        tx.exec(lockSchemasSql([schema]))
        const [row] = await tx.rows<{ role: string; archived_at: Date }>(
          `UPDATE public.tenants SET status = 'archived', archive_path = $2, archive_sha256 = $3, archived_at = now(), updated_at = now()
            WHERE schema = $1 AND status = 'suspended' RETURNING role, archived_at`,
          [schema, path, exported.sha256],
        )
        if (!row) throw new SchemataError('CONFLICT', `tenant "${schema}" changed while it was being archived; nothing was dropped`)
        // Same order as dropTenant: the schema, then what the role still owns, then the role.
        // The ledger travels in the archive's manifest; the central rows go with the schema.
        tx.exec('DELETE FROM public.tenant_migrations WHERE schema = $1', [schema])
        tx.exec(dropTenantObjectsSql(schema, row.role))
        return row.archived_at
    })
    tenancy.resolver.invalidate()
    return { schema, path, sha256: exported.sha256, bytes: exported.bytes, rows: exported.rows, archivedAt: archivedAt.toISOString() }
  } catch (error) {
    await restore()
    throw error
  }
}

/**
 * Brings an archived tenant back from its archive file (or `file`, a copy of
 * it): the file must be the one recorded (same checksum) and hold this
 * tenant; it is imported into the same schema, reviving the registry row, its
 * id and domains, in one transaction.
 */
export async function unarchiveTenant(
  tenancy: Tenancy,
  options: { schema: string; file?: string; onProgress?: (progress: LifecycleProgress) => void },
): Promise<Tenant> {
  assertSchemaName(options.schema, 'schema')
  const [row] = await tenancy.db.rows<{ status: string; archive_path: string | null; archive_sha256: string | null }>(
    'SELECT status, archive_path, archive_sha256 FROM public.tenants WHERE schema = $1',
    [options.schema],
  )
  if (!row || row.status === 'pooled') throw new TenantNotFoundError(options.schema)
  if (row.status !== 'archived' || row.archive_path === null) throw new InvalidInputError('schema', `tenant "${options.schema}" is ${row.status}, not archived`)
  const path = options.file ?? row.archive_path
  const result = await importTenantFromFile(tenancy, path, {
    schema: options.schema,
    reviveArchived: true,
    expectedSha256: row.archive_sha256 ?? '',
    onManifest: (manifest) => {
      if (manifest.tenant.schema !== options.schema) {
        throw new InvalidInputError('file', `${path} holds tenant "${manifest.tenant.schema}", not "${options.schema}"`)
      }
    },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return result.tenant
}
