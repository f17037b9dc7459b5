import { createWriteStream, existsSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import type { Database } from '../db/database.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { InvalidInputError, SchemataError, TenantNotFoundError } from '../errors.ts'
import { LEDGER_TABLE } from '../migrations/ledger-storage.ts'
import type { MigrationSets } from '../migrations/migrate-schemas.ts'
import { holdSchemaLockSharedSql } from '../db/tenant-sql.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { DATA_SETTINGS, type ExportManifest, ExportWriter, FORMAT_NAME, FORMAT_VERSION } from './export-format.ts'
import { type LifecycleProgress, progressThrottle } from './progress.ts'
import { type RowsOf, rowCounts, tenantSequences, tenantTables } from './tenant-tables.ts'
import { SCHEMATA_VERSION } from './version.ts'

export interface ExportResult {
  manifest: ExportManifest
  /** Bytes written. */
  bytes: number
  /** The file's outline checksum (its closing line), which covers every part's checksum. */
  sha256: string
  rows: number
}

export interface ExportOptions {
  schema: string
  /**
   * This project's migrations: each ledger entry is recorded with the checksum of the
   * migration of that name of the tenant's type, so an import into a project whose
   * migration differs refuses.
   */
  migrations?: Pick<MigrationSets, 'types'>
  /** Statuses that may be exported (default: active and suspended). */
  allowStatuses?: readonly string[]
  onProgress?: (progress: LifecycleProgress) => void
}

/** `SET` statements for the data settings, so text means the same on both sides. */
export function dataSettingsSql(local: boolean): string {
  return Object.entries(DATA_SETTINGS)
    .map(([name, value]) => `SET ${local ? 'LOCAL ' : ''}${name} = '${value}'`)
    .join('; ')
}

function rowsOf(client: pg.Client): RowsOf {
  return async <T extends object>(sql: string, bind?: readonly unknown[]) =>
    (await client.query(sql, bind as unknown[] | undefined)).rows as T[]
}

/**
 * Streams one tenant into `out` as an export file (see export-format.ts): a
 * manifest, then each table's rows as COPY text, each part with its checksum.
 * Everything is read in one REPEATABLE READ snapshot, so counts, rows and
 * foreign keys agree with each other; the schema's lock is held in SHARE mode
 * throughout, so no migration, rename or drop changes it meanwhile, while the
 * tenant's own traffic goes on. Memory stays flat whatever the tenant's size.
 */
export async function exportTenant(db: Database, out: Writable, options: ExportOptions): Promise<ExportResult> {
  assertSchemaName(options.schema, 'schema')
  const { schema } = options
  const allowed = options.allowStatuses ?? ['active', 'suspended']
  const client = await db.openClient({ direct: true })
  client.on('error', () => undefined)
  const progress = progressThrottle(options.onProgress)
  try {
    // Session-level so the lock is held before the snapshot is taken (a transaction's first
    // statement takes its snapshot before it could wait for a lock), and released by closing.
    await client.query(holdSchemaLockSharedSql(schema))
    await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${dataSettingsSql(true)}`)
    const rows = rowsOf(client)
    const [tenant] = await rows<{ name: string; type: string; status: string; created_at: Date; domains: string[]; version: string; version_num: string }>(
      `SELECT t.name, t.type, t.status, t.created_at,
              coalesce((SELECT array_agg(d.domain ORDER BY d.is_primary DESC, d.domain) FROM public.domains d WHERE d.tenant_id = t.id), '{}') AS domains,
              current_setting('server_version') AS version, current_setting('server_version_num') AS version_num
         FROM public.tenants t WHERE t.schema = $1`,
      [schema],
    )
    if (!tenant || tenant.status === 'pooled') throw new TenantNotFoundError(schema)
    if (!allowed.includes(tenant.status)) {
      throw new InvalidInputError('schema', `tenant "${schema}" is ${tenant.status}; only ${allowed.join(' or ')} tenants can be exported`)
    }
    const ofType = options.migrations?.types.get(tenant.type) ?? []
    const checksums = new Map(ofType.flatMap((m) => (m.checksum === undefined ? [] : [[m.name, m.checksum] as const])))
    const ledger = await rows<{ name: string }>(`SELECT name FROM ${qualified(schema, LEDGER_TABLE)} ORDER BY applied_at, name`)
    const tables = await tenantTables(rows, schema)
    const counts = await rowCounts(rows, schema, tables.map((t) => t.name), qualified)
    const sequences = await tenantSequences(rows, schema)
    const manifest: ExportManifest = {
      format: FORMAT_NAME,
      version: FORMAT_VERSION,
      exportedAt: new Date().toISOString(),
      schemata: { version: SCHEMATA_VERSION },
      postgres: { version: tenant.version, versionNum: Number(tenant.version_num) },
      source: { database: db.databaseName },
      tenant: {
        name: tenant.name,
        schema,
        type: tenant.type,
        status: tenant.status,
        createdAt: tenant.created_at.toISOString(),
        domains: tenant.domains,
      },
      migrations: ledger.map((m) => ({ name: m.name, checksum: checksums.get(m.name) ?? null })),
      tables: tables.map((t) => ({ name: t.name, columns: t.columns, rows: counts.get(t.name) ?? 0 })),
      sequences,
      settings: DATA_SETTINGS,
    }
    const totalRows = manifest.tables.reduce((n, t) => n + t.rows, 0)
    const writer = new ExportWriter(out)
    await writer.start()
    await writer.manifest(manifest)
    let rowsDone = 0
    for (const table of manifest.tables) {
      await writer.beginTable(table.name)
      const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ')
      const stream = client.query(copyTo(`COPY ${qualified(schema, table.name)} (${columns}) TO STDOUT`))
      let seen = 0
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        await writer.body(chunk)
        // Rows are lines: counting newlines keeps the progress bar moving inside a big table.
        seen += countLines(chunk)
        progress({ phase: 'export', table: table.name, rowsDone: rowsDone + seen, rowsTotal: totalRows, bytes: writer.written })
      }
      if (stream.rowCount !== table.rows) {
        throw new SchemataError('INTERNAL', `table ${table.name}: COPY wrote ${stream.rowCount} rows, the snapshot counted ${table.rows}`)
      }
      rowsDone += table.rows
      await writer.end(table.rows)
    }
    const sha256 = await writer.finish()
    await client.query('COMMIT')
    progress({ phase: 'export', rowsDone, rowsTotal: totalRows, bytes: writer.written }, true)
    return { manifest, bytes: writer.written, sha256, rows: totalRows }
  } finally {
    await client.end().catch(() => undefined)
  }
}

function countLines(chunk: Buffer): number {
  let n = 0
  let index = chunk.indexOf(0x0a)
  while (index >= 0) {
    n++
    index = chunk.indexOf(0x0a, index + 1)
  }
  return n
}

/**
 * Exports to a file without ever leaving a half-written one under its name:
 * the data goes to a temporary file beside it, which is flushed to disk and
 * renamed into place only once complete.
 */
export async function exportTenantToFile(db: Database, path: string, options: ExportOptions): Promise<ExportResult & { path: string }> {
  if (existsSync(path)) throw new InvalidInputError('out', `${path} already exists; choose another file or remove it`)
  const partial = `${path}.partial-${process.pid}`
  // 0600: the file holds all of the tenant's data, its users' password hashes included.
  const out = createWriteStream(partial, { flags: 'wx', mode: 0o600, highWaterMark: 1024 * 1024 })
  const closed = new Promise<void>((resolve, reject) => {
    out.once('close', resolve)
    out.once('error', reject)
  })
  try {
    const result = await exportTenant(db, out, options)
    out.end()
    await closed
    const handle = await open(partial, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(partial, path)
    return { ...result, path }
  } catch (error) {
    out.destroy()
    await closed.catch(() => undefined)
    await rm(partial, { force: true })
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new InvalidInputError('out', `${path}: a partial export of the same name is in the way`)
    throw error
  }
}
