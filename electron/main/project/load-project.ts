import { readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { registryMigrations } from '../tenancy/registry-migrations/index.ts'
import { ProjectConfigError, configErrorOf } from './config-error.ts'
import { type ProjectConfigFile, projectConfigSchema } from './config-schema.ts'
import { displayPath } from './display-path.ts'
import { type FileMigration, MigrationFileProblem, loadMigrationFolder, withModuleImporter } from './migration-folder.ts'
import { DEFAULT_ROUTING, type Project, type ProjectDatabase, type TenantTypeDefinition } from './project.ts'

/** The config file's name; a folder is a project when it holds one. */
export const CONFIG_FILE = 'schemata.config.json'


/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

async function readConfigFile(configPath: string): Promise<ProjectConfigFile> {
  const shown = displayPath(configPath)
  let text: string
  try {
    text = await readFile(configPath, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ProjectConfigError(shown, undefined, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const offset = /position (\d+)/.exec(message)?.[1]
    const where = offset === undefined ? '' : ` at ${lineAndColumn(text, Number(offset))}`
    throw new ProjectConfigError(shown, undefined, `is not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/s, '')}`)
  }
  const parsed = projectConfigSchema.safeParse(json)
  if (!parsed.success) throw configErrorOf(shown, projectConfigSchema, parsed.error)
  return parsed.data
}

async function assertFolder(shown: string, key: string, root: string, relative: string): Promise<string> {
  const absolute = path.resolve(root, relative)
  let info
  try {
    info = await stat(absolute)
  } catch {
    throw new ProjectConfigError(shown, key, `folder "${relative}" does not exist (${absolute})`)
  }
  if (!info.isDirectory()) throw new ProjectConfigError(shown, key, `"${relative}" is not a folder (${absolute})`)
  return absolute
}

function listOf(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value
}

function databaseOf(shown: string, root: string, config: ProjectConfigFile['database']): ProjectDatabase {
  if (config === undefined) return { mode: 'embedded' }
  if (config.mode === 'embedded') return config.dataDir === undefined ? { mode: 'embedded' } : { mode: 'embedded', dataDir: path.resolve(root, config.dataDir) }
  if ((config.url === undefined) === (config.urlEnv === undefined)) {
    throw new ProjectConfigError(shown, 'database', 'an external database needs exactly one of "url" and "urlEnv"')
  }
  if (config.url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(config.url)) throw new ProjectConfigError(shown, 'database.url', 'must start with postgres:// or postgresql://')
    return { mode: 'external', url: config.url }
  }
  return { mode: 'external', urlEnv: config.urlEnv as string }
}

/**
 * The migrations of a type, merged from its folders and ordered by name. The
 * same name may appear only once: two files would leave which one a tenant
 * has applied to chance.
 */
function mergeFolders(shown: string, key: string, lists: readonly (readonly FileMigration[])[]): FileMigration[] {
  const byName = new Map<string, FileMigration>()
  for (const list of lists) {
    for (const migration of list) {
      const other = byName.get(migration.name)
      if (other !== undefined && other.file !== migration.file) {
        throw new ProjectConfigError(shown, key, `duplicate migration name "${migration.name}": ${displayPath(other.file)} and ${displayPath(migration.file)}`)
      }
      byName.set(migration.name, migration)
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export interface LoadProjectOptions {
  /** Marks the project as the demo that ships with Schemata. */
  builtin?: boolean
}

/**
 * Reads `schemata.config.json` and every migration it points at, and checks
 * all of it before anything runs: a problem anywhere is one ProjectConfigError
 * naming the file, the key and the rule (invalid input, exit 2).
 */
export async function loadProject(configPath: string, options: LoadProjectOptions = {}): Promise<Project> {
  const absolute = path.resolve(configPath)
  const shown = displayPath(absolute)
  const config = await readConfigFile(absolute)
  const root = path.dirname(absolute)

  const typeNames = Object.keys(config.tenantTypes)
  if (typeNames.length === 0) throw new ProjectConfigError(shown, 'tenantTypes', 'must declare at least one tenant type, e.g. {"standard": {"migrations": "migrations/tenant"}}')
  if (typeNames.length > 50) throw new ProjectConfigError(shown, 'tenantTypes', 'must declare at most 50 tenant types')
  const [onlyType] = typeNames
  const defaultTenantType = config.defaultTenantType ?? (typeNames.length === 1 ? onlyType : undefined)
  if (defaultTenantType === undefined) {
    throw new ProjectConfigError(shown, 'defaultTenantType', `is required when there is more than one tenant type (one of ${typeNames.join(', ')})`)
  } else if (!typeNames.includes(defaultTenantType)) {
    throw new ProjectConfigError(shown, 'defaultTenantType', `"${defaultTenantType}" is not one of the tenantTypes (${typeNames.join(', ')})`)
  }
  const sharedReadable = config.sharedReadable ?? []
  const twice = sharedReadable.find((table, i) => sharedReadable.indexOf(table) !== i)
  if (twice !== undefined) throw new ProjectConfigError(shown, `sharedReadable[${sharedReadable.lastIndexOf(twice)}]`, `"${twice}" is listed twice`)
  const database = databaseOf(shown, root, config.database)

  // Every folder is checked before any file is read, so the first problem reported is the config's.
  const sharedFolder = config.sharedMigrations === undefined ? undefined : await assertFolder(shown, 'sharedMigrations', root, config.sharedMigrations)
  const typeFolders = new Map<string, string[]>()
  for (const name of typeNames) {
    const folders = listOf(config.tenantTypes[name]?.migrations ?? [])
    const resolved: string[] = []
    for (const [i, folder] of folders.entries()) {
      const key = typeof config.tenantTypes[name]?.migrations === 'string' ? `tenantTypes.${name}.migrations` : `tenantTypes.${name}.migrations[${i}]`
      resolved.push(await assertFolder(shown, key, root, folder))
    }
    typeFolders.set(name, resolved)
  }

  const { shared, types } = await withModuleImporter(async (importer) => {
    const cache = new Map<string, Promise<FileMigration[]>>()
    const folderMigrations = async (folder: string): Promise<FileMigration[]> => {
      // Folders are compared by their real path, so two spellings of one folder are one folder.
      const real = await realpath(folder)
      let loaded = cache.get(real)
      if (!loaded) {
        loaded = loadMigrationFolder(real, importer)
        cache.set(real, loaded)
      }
      return loaded
    }
    try {
      const sharedMigrations = sharedFolder === undefined ? [] : await folderMigrations(sharedFolder)
      const merged = new Map<string, FileMigration[]>()
      for (const [name, folders] of typeFolders) {
        const lists = await Promise.all(folders.map(folderMigrations))
        merged.set(name, mergeFolders(shown, `tenantTypes.${name}.migrations`, lists))
      }
      return { shared: sharedMigrations, types: merged }
    } catch (error) {
      if (error instanceof MigrationFileProblem) throw new ProjectConfigError(displayPath(error.file), undefined, error.rule)
      throw error
    }
  })

  // Shared migrations share public's ledger with Schemata's own registry migrations.
  const reserved = shared.find((m) => registryMigrations.some((r) => r.name === m.name))
  if (reserved !== undefined) {
    throw new ProjectConfigError(displayPath(reserved.file), undefined, `"${reserved.name}" is the name of one of Schemata's own migrations of public; rename the file`)
  }

  // A name means one file in the whole project: changing a tenant's type keeps what both types share.
  const owner = new Map<string, FileMigration>()
  for (const [name, list] of types) {
    for (const migration of list) {
      const other = owner.get(migration.name)
      if (other !== undefined && other.file !== migration.file) {
        throw new ProjectConfigError(
          shown,
          `tenantTypes.${name}.migrations`,
          `migration "${migration.name}" is ${displayPath(migration.file)} here but ${displayPath(other.file)} in another type; one name must mean one file`,
        )
      }
      owner.set(migration.name, migration)
    }
  }

  const tenantTypes: TenantTypeDefinition[] = typeNames.map((name) => {
    const declared = config.tenantTypes[name]
    return {
      name,
      label: declared?.label ?? name,
      ...(declared?.description === undefined ? {} : { description: declared.description }),
      folders: typeFolders.get(name) ?? [],
      migrations: (types.get(name) ?? []),
    }
  })
  return {
    name: config.name ?? path.basename(root),
    root,
    configPath: absolute,
    builtin: options.builtin === true,
    ...(sharedFolder === undefined ? {} : { sharedFolder }),
    shared,
    tenantTypes,
    defaultTenantType,
    sharedReadable,
    baseDomain: config.baseDomain ?? 'localhost',
    routing: {
      subdomains: config.routing?.subdomains ?? DEFAULT_ROUTING.subdomains,
      header: config.routing?.header ?? DEFAULT_ROUTING.header,
      pathPrefix: config.routing?.pathPrefix ?? DEFAULT_ROUTING.pathPrefix,
    },
    database,
    pool: { size: config.pool?.size ?? 0 },
  }
}
