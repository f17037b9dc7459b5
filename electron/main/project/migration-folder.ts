import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { MIGRATION_NAME } from '../migrations/ledger-storage.ts'
import type { MigrationContext, MigrationDefinition } from '../migrations/types.ts'
import { SqlMigrationProblem, parseSqlMigration } from './sql-migration.ts'

/** A migration read from a file: its definition with the file and checksum always present. */
export interface FileMigration extends MigrationDefinition {
  readonly checksum: string
  readonly file: string
}

/** Why a file in a migration folder was refused; the loader turns it into a config error naming the file. */
export class MigrationFileProblem extends Error {
  constructor(
    readonly file: string,
    readonly rule: string,
  ) {
    super(`${file}: ${rule}`)
  }
}

const SQL_EXTENSIONS = new Set(['.sql'])
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts'])

/** `0001_create_tickets.sql` → `0001`: migrations with the same version are ambiguous. */
function versionOf(name: string): string {
  return name.slice(0, name.indexOf('_'))
}

/**
 * SHA-256 of a migration file, with line endings normalised so a checkout
 * with `core.autocrlf` does not look like an edited migration.
 */
export function migrationChecksum(source: string): string {
  return createHash('sha256').update(source.replace(/\r\n?/g, '\n')).digest('hex')
}

/** Whether a directory entry is meant as a migration (by extension); other files (README.md, .gitkeep) are left alone. */
function migrationExtension(file: string): string | undefined {
  if (file.startsWith('.') || file.endsWith('.d.ts') || file.endsWith('.d.mts')) return undefined
  const ext = path.extname(file)
  return SQL_EXTENSIONS.has(ext) || MODULE_EXTENSIONS.has(ext) ? ext : undefined
}

function sqlMigration(name: string, file: string, source: string): FileMigration {
  let parsed
  try {
    parsed = parseSqlMigration(source)
  } catch (error) {
    if (error instanceof SqlMigrationProblem) throw new MigrationFileProblem(file, error.message)
    throw error
  }
  const { up, down } = parsed
  return {
    name,
    file,
    checksum: migrationChecksum(source),
    // exec: the SQL needs no answer, so it rides with the rest of the schema's transaction.
    up: (context: MigrationContext) => context.exec(up),
    ...(down === undefined ? {} : { down: (context: MigrationContext) => context.exec(down) }),
  }
}

type ModuleImporter = (file: string, checksum: string) => Promise<unknown>

interface MigrationModule {
  name?: unknown
  up?: unknown
  down?: unknown
}

function moduleMigration(name: string, file: string, source: string, loaded: unknown): FileMigration {
  const exports = (loaded ?? {}) as Record<string, unknown>
  // `export const migration = { up, down }` (as the built-in examples), `export default { up, down }`,
  // or umzug's own style: `export async function up(…)` and `down`.
  const candidate = (exports.migration ?? (typeof exports.up === 'function' ? exports : exports.default) ?? exports) as MigrationModule
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.up !== 'function') {
    throw new MigrationFileProblem(file, 'exports no up() function (export async function up({ exec, query }) { … }, or export const migration = { up, down })')
  }
  if (candidate.name !== undefined && candidate.name !== name) {
    throw new MigrationFileProblem(file, `exports the name ${JSON.stringify(candidate.name)}, but a migration is named by its file: "${name}"`)
  }
  if (candidate.down !== undefined && typeof candidate.down !== 'function') {
    throw new MigrationFileProblem(file, 'exports a down that is not a function')
  }
  const up = candidate.up as MigrationDefinition['up']
  const down = candidate.down as MigrationDefinition['down']
  return {
    name,
    file,
    checksum: migrationChecksum(source),
    up: (context) => up.call(candidate, context),
    ...(down === undefined ? {} : { down: (context: MigrationContext) => down.call(candidate, context) }),
  }
}

/**
 * Imports migration modules: `.js`/`.mjs` natively (the checksum in the URL
 * means an edited file is imported afresh in a long-running process),
 * `.ts`/`.mts` through tsx in a namespace of their own, so a project's
 * TypeScript migrations load in a compiled CLI or the app as well.
 */
export async function withModuleImporter<T>(fn: (importer: ModuleImporter) => Promise<T>): Promise<T> {
  let tsx: { import: (specifier: string, parent: string) => Promise<unknown>; unregister: () => Promise<void> } | undefined
  const importer: ModuleImporter = async (file, checksum) => {
    const url = `${pathToFileURL(file).href}?checksum=${checksum}`
    if (file.endsWith('.ts') || file.endsWith('.mts')) {
      if (!tsx) {
        const { register } = await import('tsx/esm/api')
        tsx = register({ namespace: `schemata-migrations-${process.pid}-${Date.now()}` })
      }
      return tsx.import(url, import.meta.url)
    }
    return import(url) as Promise<unknown>
  }
  try {
    return await fn(importer)
  } finally {
    await tsx?.unregister()
  }
}

/**
 * The migrations in one folder, ordered by name. Every `.sql`, `.js`,
 * `.mjs`, `.ts` and `.mts` file is a migration and must be named
 * `<version>_<description>` (MIGRATION_NAME); two files with the same name
 * or version are refused. Other files are ignored.
 */
export async function loadMigrationFolder(folder: string, importer: ModuleImporter): Promise<FileMigration[]> {
  const entries = await readdir(folder, { withFileTypes: true })
  const byName = new Map<string, string>()
  const byVersion = new Map<string, string>()
  const files: { name: string; file: string; ext: string }[] = []
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue
    const ext = migrationExtension(entry.name)
    if (ext === undefined) continue
    const file = path.join(folder, entry.name)
    const name = entry.name.slice(0, -ext.length)
    if (!MIGRATION_NAME.test(name)) {
      throw new MigrationFileProblem(
        file,
        `is not a valid migration name: <version>_<description>${ext} with a 4–14 digit version and lowercase letters, digits and _ (e.g. 0001_create_tickets${ext})`,
      )
    }
    const twin = byName.get(name)
    if (twin !== undefined) throw new MigrationFileProblem(file, `duplicate migration name "${name}" (also ${path.basename(twin)})`)
    const sameVersion = byVersion.get(versionOf(name))
    if (sameVersion !== undefined) {
      throw new MigrationFileProblem(file, `duplicate migration version ${versionOf(name)} (also ${path.basename(sameVersion)}); give each migration its own number`)
    }
    byName.set(name, file)
    byVersion.set(versionOf(name), file)
    files.push({ name, file, ext })
  }
  const migrations: FileMigration[] = []
  for (const { name, file, ext } of files) {
    const source = await readFile(file, 'utf8')
    if (SQL_EXTENSIONS.has(ext)) {
      migrations.push(sqlMigration(name, file, source))
      continue
    }
    let loaded: unknown
    try {
      loaded = await importer(file, migrationChecksum(source))
    } catch (error) {
      throw new MigrationFileProblem(file, `cannot be loaded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
    }
    migrations.push(moduleMigration(name, file, source, loaded))
  }
  return migrations
}
