import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { z } from 'zod'
import type { DbTransaction } from '../db/pipelined-transaction.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { InvalidInputError, SchemataError, quoteForMessage } from '../errors.ts'
import type { MigrationSets } from '../migrations/migrate-schemas.ts'
import type { MigrationDefinition } from '../migrations/types.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { defaultDomainFor, validateDomains, validateTenantInput } from '../tenancy/tenant-input.ts'
import { type Tenant, provisionTenant } from '../tenancy/tenant-registry.ts'
import { type ExportManifest, ExportFileError, ExportReader, FORMAT_NAME, FORMAT_VERSION } from './export-format.ts'
import { dataSettingsSql } from './export-tenant.ts'
import { type LifecycleProgress, progressThrottle } from './progress.ts'
import { tenantTables } from './tenant-tables.ts'

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024

const manifestSchema = z.object({
  format: z.literal(FORMAT_NAME),
  version: z.literal(FORMAT_VERSION),
  exportedAt: z.string(),
  schemata: z.object({ version: z.string() }),
  postgres: z.object({ version: z.string(), versionNum: z.number() }),
  source: z.object({ database: z.string() }),
  tenant: z.object({
    name: z.string(),
    schema: z.string(),
    type: z.string(),
    status: z.string(),
    createdAt: z.string(),
    domains: z.array(z.string()),
  }),
  migrations: z.array(z.object({ name: z.string(), checksum: z.string().nullable() })),
  tables: z.array(
    z.object({
      name: z.string().min(1).max(63),
      columns: z.array(z.object({ name: z.string().min(1).max(63), type: z.string() })),
      rows: z.number().int().min(0),
    }),
  ),
  sequences: z.array(z.object({ name: z.string().min(1).max(63), lastValue: z.string().regex(/^-?\d{1,19}$/), isCalled: z.boolean() })),
  settings: z.record(z.string(), z.string()),
})

export interface ImportOptions {
  /** The new tenant's schema (default: the one in the file; with `asSibling`, `<schema>__restored`). */
  schema?: string
  name?: string
  domains?: readonly string[]
  /** Restore next to the live tenant: a new schema, a name marked "(restored)", a default domain of its own. */
  asSibling?: boolean
  /** Bring an archived tenant back: its registry row (id, domains) is revived instead of a new one made. */
  reviveArchived?: boolean
  /** Refuse the file unless its checksum (closing line) is this one: the archive the registry recorded. */
  expectedSha256?: string
  /** The move this import is part of, recorded on the tenant (see move-tenant.ts). */
  originMoveId?: string
  onProgress?: (progress: LifecycleProgress) => void
  /** Called with the manifest once it is read and checked, before anything changes. */
  onManifest?: (manifest: ExportManifest) => void | Promise<void>
}

export interface ImportResult {
  tenant: Tenant
  manifest: ExportManifest
  rows: number
  bytes: number
}

async function readManifest(reader: ExportReader): Promise<ExportManifest> {
  const part = await reader.next()
  if (part?.kind !== 'manifest') throw new ExportFileError('does not begin with its manifest')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of part.body()) {
    size += chunk.length
    if (size > MAX_MANIFEST_BYTES) throw new ExportFileError('has a manifest larger than 64 MiB')
    chunks.push(chunk)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new ExportFileError('has a manifest that is not JSON')
  }
  const result = manifestSchema.safeParse(parsed)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new ExportFileError(`has a manifest that does not follow format ${FORMAT_VERSION} (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`)
  }
  return result.data as ExportManifest
}

/**
 * The project's migrations that the file's tenant had applied, in the
 * project's order; refuses if the project lacks any of them or one's checksum
 * differs (the tables they build here would not be the file's).
 */
export function migrationsForManifest(manifest: ExportManifest, project: readonly MigrationDefinition[]): MigrationDefinition[] {
  const known = new Map(project.map((m) => [m.name, m]))
  const missing = manifest.migrations.filter((m) => !known.has(m.name)).map((m) => m.name)
  if (missing.length > 0) {
    throw new InvalidInputError('file', `the tenant in this file has migration(s) this project lacks: ${missing.join(', ')}`)
  }
  const differing = manifest.migrations
    .filter((m) => {
      const ours = (known.get(m.name) as MigrationDefinition & { checksum?: string }).checksum
      return m.checksum !== null && ours !== undefined && ours !== m.checksum
    })
    .map((m) => m.name)
  if (differing.length > 0) {
    throw new InvalidInputError('file', `migration(s) ${differing.join(', ')} differ from this project's (checksum mismatch)`)
  }
  const applied = new Set(manifest.migrations.map((m) => m.name))
  return project.filter((m) => applied.has(m.name))
}

/**
 * The tenant type the file's tenant is of, which this project must declare.
 * Files written before exports recorded the type say "default" whatever it
 * was: in a project without a type of that name, they mean its default type.
 */
function typeForManifest(manifest: ExportManifest, sets: Pick<MigrationSets, 'types' | 'defaultType'>): string {
  const { type } = manifest.tenant
  if (sets.types.has(type)) return type
  if (type === 'default') return sets.defaultType
  throw new InvalidInputError('file', `the tenant in this file is of type ${quoteForMessage(type)}, which this project does not declare (its types: ${[...sets.types.keys()].join(', ')})`)
}

/** Where the import goes: the schema, name and domains, validated before anything runs. */
function targetOf(manifest: ExportManifest, options: ImportOptions, baseDomain: string): { name: string; schema: string; domains: string[] } {
  const schema = options.schema ?? (options.asSibling ? `${manifest.tenant.schema}__restored`.slice(0, 63) : manifest.tenant.schema)
  assertSchemaName(schema, 'schema')
  const name = options.name ?? (options.asSibling ? `${manifest.tenant.name} (restored)`.slice(0, 100) : manifest.tenant.name)
  let domains: string[]
  if (options.domains !== undefined && options.domains.length > 0) domains = validateDomains(options.domains)
  else if (schema === manifest.tenant.schema && !options.asSibling && manifest.tenant.domains.length > 0) domains = manifest.tenant.domains
  else domains = [defaultDomainFor(schema, baseDomain)]
  return validateTenantInput({ name, schema, domains }, baseDomain)
}

/** The tables the migrations built here must be the file's, column for column. */
function checkTables(manifest: ExportManifest, built: Awaited<ReturnType<typeof tenantTables>>): void {
  const here = new Map(built.map((t) => [t.name, t]))
  for (const table of manifest.tables) {
    const ours = here.get(table.name)
    if (!ours) throw new InvalidInputError('file', `table ${table.name} is in the file but this project's migrations do not create it`)
    const theirs = table.columns.map((c) => `${c.name} ${c.type}`).join(', ')
    const mine = ours.columns.map((c) => `${c.name} ${c.type}`).join(', ')
    if (theirs !== mine) throw new InvalidInputError('file', `table ${table.name} has columns (${theirs}) in the file but (${mine}) here`)
  }
}

/**
 * Loads the tables' parts into the new schema, in the file's order, and
 * checks each against the manifest (row count) and its checksum (the reader
 * does that at each part's end); then the closing line; then the sequences.
 */
async function loadData(
  client: pg.Client,
  reader: ExportReader,
  manifest: ExportManifest,
  schema: string,
  progress: (progress: LifecycleProgress, final?: boolean) => void,
  expectedSha256: string | undefined,
): Promise<number> {
  await client.query(`${dataSettingsSql(true)}; SET CONSTRAINTS ALL DEFERRED`)
  // Migrations may seed rows (a default subscription, starter content); the file's rows replace them.
  if (manifest.tables.length > 0) await client.query(`TRUNCATE ${manifest.tables.map((t) => qualified(schema, t.name)).join(', ')}`)
  const total = manifest.tables.reduce((n, t) => n + t.rows, 0)
  let rowsDone = 0
  for (const table of manifest.tables) {
    const part = await reader.next()
    if (part?.kind !== 'table' || part.name !== table.name) {
      throw new ExportFileError(`should hold table ${table.name} next (per its manifest) but ${part ? `holds ${part.kind} ${part.name}` : 'ends'}`)
    }
    const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ')
    const copy = client.query(copyFrom(`COPY ${qualified(schema, table.name)} (${columns}) FROM STDIN`))
    const base = rowsDone
    const body = part.body()
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const chunk of body) {
            yield chunk
            progress({ phase: 'import', table: table.name, rowsDone: base, rowsTotal: total, bytes: reader.consumed })
          }
        })(),
      ),
      copy,
    )
    const trailer = part.trailer()
    if (copy.rowCount !== table.rows || trailer.rows !== table.rows) {
      throw new ExportFileError(`table ${table.name}: the manifest says ${table.rows} rows, its part ${trailer.rows ?? '?'}, and ${copy.rowCount} were loaded`)
    }
    rowsDone += table.rows
  }
  if ((await reader.next()) !== undefined) throw new ExportFileError('holds more parts than its manifest lists')
  if (expectedSha256 !== undefined && reader.checksum !== expectedSha256) {
    throw new ExportFileError(`has checksum ${reader.checksum ?? '?'}, but the archive recorded for this tenant has ${expectedSha256}`)
  }
  for (const sequence of manifest.sequences) {
    await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [qualified(schema, sequence.name), sequence.lastValue, sequence.isCalled])
  }
  progress({ phase: 'import', rowsDone, rowsTotal: total, bytes: reader.consumed }, true)
  return rowsDone
}

/**
 * Imports a tenant from an export stream, all or nothing: the manifest is
 * read and checked first (format, this project has every migration it
 * records), then one transaction creates the tenant at the recorded migration
 * level, checks its tables are the file's, loads every table by COPY, checks
 * every count and checksum and the file's closing line, and restores the
 * sequences. Any failure — a part cut short, a changed byte, a taken name —
 * rolls all of it back.
 */
export async function importTenant(tenancy: Tenancy, source: AsyncIterable<Buffer | string>, options: ImportOptions = {}): Promise<ImportResult> {
  const reader = await ExportReader.open(source)
  const manifest = await readManifest(reader)
  const type = typeForManifest(manifest, tenancy.migrations)
  const migrations = migrationsForManifest(manifest, tenancy.migrationsOfType(type, 'file'))
  const target = targetOf(manifest, options, tenancy.baseDomain)
  await options.onManifest?.(manifest)
  const progress = progressThrottle(options.onProgress)
  let rows = 0
  const tenant = await provisionTenant(tenancy.db, {
    ...target,
    type,
    migrations,
    ...(options.reviveArchived ? { reviveArchived: true } : {}),
    ...(options.originMoveId ? { originMoveId: options.originMoveId } : {}),
    fill: (tx: DbTransaction) =>
      tx.exclusive(async (client) => {
        const built = await tenantTables(async <T extends object>(sql: string, bind?: readonly unknown[]) => (await client.query(sql, bind as unknown[] | undefined)).rows as T[], target.schema)
        checkTables(manifest, built)
        rows = await loadData(client, reader, manifest, target.schema, progress, options.expectedSha256)
      }),
  })
  tenancy.resolver.invalidate()
  return { tenant, manifest, rows, bytes: reader.consumed }
}

/** `importTenant` from a file on disk. */
export async function importTenantFromFile(tenancy: Tenancy, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new InvalidInputError('file', `${path} is not a file`)
  } catch (error) {
    if (error instanceof SchemataError) throw error
    throw new InvalidInputError('file', `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  return importTenant(tenancy, createReadStream(path, { highWaterMark: 1024 * 1024 }), options)
}
