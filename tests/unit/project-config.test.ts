import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { configJsonSchema } from '../../electron/main/project/config-schema.ts'
import { builtinConfigPath, locateConfig } from '../../electron/main/project/find-config.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'

const dirs: string[] = []
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }) })

/** A project folder with the given files (path → content); a trailing slash makes an empty folder. */
function project(files: Record<string, string | object>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'schemata-project-'))
  dirs.push(root)
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name)
    if (name.endsWith('/')) {
      mkdirSync(file, { recursive: true })
      continue
    }
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  }
  return root
}

const config = { tenantTypes: { a: { migrations: 't' } } }
const UP = '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n'

async function problemOf(root: string): Promise<{ message: string; field: string | undefined; code: string }> {
  try {
    await loadProject(path.join(root, 'schemata.config.json'))
  } catch (error) {
    const e = error as { message: string; field?: string; code: string }
    return { message: e.message, field: e.field, code: e.code }
  }
  throw new Error('expected the project to be refused')
}

describe('loadProject', () => {
  it('loads types, merges and orders their folders, and records a checksum per file', async () => {
    const root = project({
      'schemata.config.json': {
        name: 'Helpdesk',
        sharedMigrations: 'db/shared',
        tenantTypes: {
          standard: { migrations: 'db/tenant' },
          enterprise: { migrations: ['db/tenant', 'db/enterprise'], label: 'Enterprise' },
        },
        defaultTenantType: 'standard',
        sharedReadable: ['plans'],
        routing: { pathPrefix: true },
        pool: { size: 3 },
      },
      'db/shared/0001_plans.sql': UP,
      'db/tenant/0002_tickets.sql': UP,
      'db/tenant/0001_agents.sql': UP,
      'db/tenant/README.md': '# not a migration',
      'db/enterprise/1001_audit_log.sql': UP,
    })
    const loaded = await loadProject(path.join(root, 'schemata.config.json'))
    expect(loaded.name).toBe('Helpdesk')
    expect(loaded.shared.map((m) => m.name)).toEqual(['0001_plans'])
    expect(loaded.tenantTypes.map((t) => [t.name, t.label, t.migrations.map((m) => m.name)])).toEqual([
      ['standard', 'standard', ['0001_agents', '0002_tickets']],
      ['enterprise', 'Enterprise', ['0001_agents', '0002_tickets', '1001_audit_log']],
    ])
    expect(loaded.defaultTenantType).toBe('standard')
    expect(loaded.sharedReadable).toEqual(['plans'])
    expect(loaded.routing).toEqual({ subdomains: true, header: 'X-Tenant', pathPrefix: true })
    expect(loaded.database).toEqual({ mode: 'embedded' })
    expect(loaded.pool).toEqual({ size: 3 })
    const [agents] = loaded.tenantTypes[0]?.migrations ?? []
    expect(agents?.checksum).toMatch(/^[0-9a-f]{64}$/)
    // The same file in two types is one migration with one checksum.
    expect(loaded.tenantTypes[1]?.migrations[0]?.checksum).toBe(agents?.checksum)
  })

  it('makes the only type the default one', async () => {
    const root = project({ 'schemata.config.json': { tenantTypes: { basic: { migrations: 't' } } }, 't/0001_a.sql': UP })
    const loaded = await loadProject(path.join(root, 'schemata.config.json'))
    expect(loaded.defaultTenantType).toBe('basic')
    expect(loaded.name).toBe(path.basename(root))
  })

  it('loads TypeScript and JavaScript migration modules beside SQL files', async () => {
    const root = project({
      'schemata.config.json': { tenantTypes: { standard: { migrations: 't' } } },
      't/0001_a.sql': UP,
      't/0002_b.ts': 'export async function up(ctx: { exec: (sql: string) => Promise<void> }): Promise<void> { await ctx.exec("SELECT 2") }\n',
      't/0003_c.mjs': 'export const migration = { async up({ exec }) { await exec("SELECT 3") }, async down({ exec }) { await exec("SELECT -3") } }\n',
    })
    const loaded = await loadProject(path.join(root, 'schemata.config.json'))
    const migrations = loaded.tenantTypes[0]?.migrations ?? []
    expect(migrations.map((m) => m.name)).toEqual(['0001_a', '0002_b', '0003_c'])
    const sent: string[] = []
    const context = { schema: 's', exec: (sql: string) => Promise.resolve(void sent.push(sql)), query: () => Promise.resolve([]) }
    for (const m of migrations) await m.up(context)
    await migrations[2]?.down?.(context)
    expect(sent.map((s) => s.trim())).toEqual(['CREATE TABLE t (id int);', 'SELECT 2', 'SELECT 3', 'SELECT -3'])
    expect(Object.keys(migrations[1] ?? {})).not.toContain('down')
  })

  it.each([
    ['the file is missing', {}, /schemata\.config\.json: does not exist/, undefined],
    ['the JSON is broken', { 'schemata.config.json': '{\n  "tenantTypes": {,\n}' }, /is not valid JSON at line 2, column/, undefined],
    ['the file holds an array', { 'schemata.config.json': '[]' }, /\(file\): must hold one JSON object/, '(file)'],
    ['tenantTypes is missing', { 'schemata.config.json': { name: 'x' } }, /tenantTypes: is required/, 'tenantTypes'],
    ['a key is misspelt', { 'schemata.config.json': { tenantTypes: {}, sharedReadible: [] } }, /sharedReadible: is not a known key \(did you mean "sharedReadable"\?\)/, 'sharedReadible'],
    ['a nested key is unknown', { 'schemata.config.json': { tenantTypes: { s: { migrations: 't', lable: 'S' } } } }, /tenantTypes\.s\.lable: is not a known key \(did you mean "label"\?\)/, 'tenantTypes.s.lable'],
    ['a type name is invalid', { 'schemata.config.json': { tenantTypes: { Gold: { migrations: 't' } } } }, /tenantTypes\.Gold: is not a valid tenant type name/, 'tenantTypes.Gold'],
    ['migrations is not a path', { 'schemata.config.json': { tenantTypes: { s: { migrations: 3 } } } }, /tenantTypes\.s\.migrations: must be a folder path or a list of folder paths/, 'tenantTypes.s.migrations'],
    ['no type is declared', { 'schemata.config.json': { tenantTypes: {} } }, /tenantTypes: must declare at least one tenant type/, 'tenantTypes'],
    ['two types and no default', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' }, b: { migrations: 't' } } }, 't/': '' }, /defaultTenantType: is required when there is more than one tenant type/, 'defaultTenantType'],
    ['the default is not a type', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, defaultTenantType: 'b' }, 't/': '' }, /defaultTenantType: "b" is not one of the tenantTypes \(a\)/, 'defaultTenantType'],
    ['a tenant folder is missing', { 'schemata.config.json': { tenantTypes: { a: { migrations: ['t', 'nope'] } } }, 't/': '' }, /tenantTypes\.a\.migrations\[1\]: folder "nope" does not exist/, 'tenantTypes.a.migrations[1]'],
    ['the shared folder is missing', { 'schemata.config.json': { sharedMigrations: 'shared', tenantTypes: { a: { migrations: 't' } } }, 't/': '' }, /sharedMigrations: folder "shared" does not exist/, 'sharedMigrations'],
    ['a folder is a file', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } } }, t: 'x' }, /tenantTypes\.a\.migrations: "t" is not a folder/, 'tenantTypes.a.migrations'],
    ['a shared readable table is qualified', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, sharedReadable: ['public.plans'] }, 't/': '' }, /sharedReadable\[0\]: must be a table name in public, without a schema/, 'sharedReadable[0]'],
    ['a shared readable table is listed twice', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, sharedReadable: ['plans', 'plans'] }, 't/': '' }, /sharedReadable\[1\]: "plans" is listed twice/, 'sharedReadable[1]'],
    ['a routing header is invalid', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, routing: { header: 'X Tenant' } }, 't/': '' }, /routing\.header: must be an HTTP header name/, 'routing.header'],
    ['the base domain has a port', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, baseDomain: 'localhost:4780' }, 't/': '' }, /baseDomain: must be a lowercase host name without a port/, 'baseDomain'],
    ['an external database has no URL', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, database: { mode: 'external' } }, 't/': '' }, /database: an external database needs exactly one of "url" and "urlEnv"/, 'database'],
    ['sharedReadable is not a list', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, sharedReadable: 'plans' }, 't/': '' }, /sharedReadable: must be a list/, 'sharedReadable'],
    ['the pool size is not a whole number', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, pool: { size: 2.5 } }, 't/': '' }, /pool\.size: must be a whole number/, 'pool.size'],
    ['the database mode is unknown', { 'schemata.config.json': { tenantTypes: { a: { migrations: 't' } }, database: { mode: 'cloud' } }, 't/': '' }, /database\.mode: must be \{"mode": "embedded"\}/, 'database.mode'],
  ])('refuses a config when %s, naming the key and the rule', async (_, files, message, field) => {
    const failure = await problemOf(project(files))
    expect(failure.code).toBe('INVALID_INPUT')
    expect(failure.message).toMatch(message)
    if (field !== undefined) expect(failure.field).toBe(field)
    expect(failure.message.split('\n')).toHaveLength(1)
  })

  it.each([
    ['a SQL file has no up section', { 't/0001_a.sql': 'CREATE TABLE t (id int);' }, /t\/0001_a\.sql: has no -- migrate:up section/],
    ['two files share a name', { 't/0001_a.sql': UP, 't/0001_a.mjs': 'export async function up() {}' }, /t\/0001_a\.sql: duplicate migration name "0001_a" \(also 0001_a\.mjs\)/],
    ['two files share a version', { 't/0001_a.sql': UP, 't/0001_b.sql': UP }, /t\/0001_b\.sql: duplicate migration version 0001 \(also 0001_a\.sql\)/],
    ['a file name is not a migration name', { 't/create-tickets.sql': UP }, /t\/create-tickets\.sql: is not a valid migration name: <version>_<description>\.sql/],
    ['a file name has capitals', { 't/0001_Create.sql': UP }, /is not a valid migration name/],
    ['a module exports no up()', { 't/0001_a.mjs': 'export const nothing = 1' }, /t\/0001_a\.mjs: exports no up\(\) function/],
    ['a module names itself differently', { 't/0001_a.mjs': 'export const migration = { name: "0001_b", async up() {} }' }, /exports the name "0001_b", but a migration is named by its file: "0001_a"/],
    ['a module does not compile', { 't/0001_a.mjs': 'export const = ;' }, /t\/0001_a\.mjs: cannot be loaded/],
  ])('refuses migrations when %s, naming the file', async (_, files, message) => {
    const failure = await problemOf(project({ 'schemata.config.json': config, ...files }))
    expect(failure.code).toBe('INVALID_INPUT')
    expect(failure.message).toMatch(message)
  })

  it('refuses one migration name meaning two files in one type or across types', async () => {
    const inType = await problemOf(
      project({ 'schemata.config.json': { tenantTypes: { a: { migrations: ['t', 'u'] } } }, 't/0001_a.sql': UP, 'u/0001_a.sql': UP }),
    )
    expect(inType.message).toMatch(/tenantTypes\.a\.migrations: duplicate migration name "0001_a": .*t\/0001_a\.sql and .*u\/0001_a\.sql/)
    const across = await problemOf(
      project({
        'schemata.config.json': { tenantTypes: { a: { migrations: 't' }, b: { migrations: 'u' } }, defaultTenantType: 'a' },
        't/0001_a.sql': UP,
        'u/0001_a.sql': UP,
      }),
    )
    expect(across.message).toMatch(/tenantTypes\.b\.migrations: migration "0001_a" is .*u\/0001_a\.sql here but .*t\/0001_a\.sql in another type/)
  })

  it('checksums ignore line endings and change with the content', async () => {
    const root = project({ 'schemata.config.json': config, 't/0001_a.sql': UP })
    const first = (await loadProject(path.join(root, 'schemata.config.json'))).tenantTypes[0]?.migrations[0]?.checksum
    writeFileSync(path.join(root, 't/0001_a.sql'), UP.replaceAll('\n', '\r\n'))
    const crlf = (await loadProject(path.join(root, 'schemata.config.json'))).tenantTypes[0]?.migrations[0]?.checksum
    writeFileSync(path.join(root, 't/0001_a.sql'), UP.replace('id int', 'id bigint'))
    const edited = (await loadProject(path.join(root, 'schemata.config.json'))).tenantTypes[0]?.migrations[0]?.checksum
    expect(crlf).toBe(first)
    expect(edited).not.toBe(first)
  })

  it('loads an edited module afresh in the same process', async () => {
    const root = project({ 'schemata.config.json': config, 't/0001_a.mjs': 'export async function up({ exec }) { await exec("SELECT 1") }' })
    const sqlOf = async (): Promise<string> => {
      const loaded = await loadProject(path.join(root, 'schemata.config.json'))
      let sent = ''
      await loaded.tenantTypes[0]?.migrations[0]?.up({ schema: 's', exec: (sql) => Promise.resolve(void (sent = sql)), query: () => Promise.resolve([]) })
      return sent
    }
    expect(await sqlOf()).toBe('SELECT 1')
    writeFileSync(path.join(root, 't/0001_a.mjs'), 'export async function up({ exec }) { await exec("SELECT 2") }')
    expect(await sqlOf()).toBe('SELECT 2')
  })
})

describe('locateConfig', () => {
  const env = {}
  it('finds the config in the working directory or a parent', () => {
    const root = project({ 'schemata.config.json': config, 'a/b/': '' })
    expect(locateConfig({ cwd: path.join(root, 'a', 'b'), env })).toMatchObject({ configPath: path.join(root, 'schemata.config.json'), source: 'search', builtin: false })
  })

  it('prefers --config over SCHEMATA_CONFIG over the search, and accepts a folder', () => {
    const a = project({ 'schemata.config.json': config })
    const b = project({ 'schemata.config.json': config })
    expect(locateConfig({ cwd: a, env: { SCHEMATA_CONFIG: b } })).toMatchObject({ configPath: path.join(b, 'schemata.config.json'), source: 'env' })
    expect(locateConfig({ cwd: a, flag: path.join(b, 'schemata.config.json'), env: { SCHEMATA_CONFIG: a } })).toMatchObject({ source: 'flag', configPath: path.join(b, 'schemata.config.json') })
  })

  it('refuses a --config or SCHEMATA_CONFIG that names nothing usable', () => {
    const empty = project({ 'x/': '' })
    expect(() => locateConfig({ cwd: empty, flag: 'missing.json', env })).toThrow(/^--config: .*missing\.json does not exist$/)
    expect(() => locateConfig({ cwd: empty, env: { SCHEMATA_CONFIG: path.join(empty, 'x') } })).toThrow(/^SCHEMATA_CONFIG: .* holds no schemata\.config\.json/)
  })

  it('falls back to the built-in demo, which is the repository root\u2019s config', () => {
    // Not under os.tmpdir(): the test run may point TMPDIR inside this repository, which is a project.
    const outside = mkdtempSync(path.join(process.platform === 'win32' ? tmpdir() : '/tmp', 'schemata-no-project-'))
    dirs.push(outside)
    const located = locateConfig({ cwd: outside, env })
    expect(located).toMatchObject({ source: 'builtin', builtin: true, configPath: builtinConfigPath() })
    expect(path.dirname(builtinConfigPath())).toBe(path.resolve(import.meta.dirname, '..', '..'))
    expect(locateConfig({ cwd: path.resolve(import.meta.dirname), env })).toMatchObject({ source: 'search', builtin: true })
  })
})

describe('the published JSON Schema', () => {
  it('is the one generated from the loader\u2019s schema (regenerate with npm run config-schema)', () => {
    const published: unknown = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../schemata.config.schema.json'), 'utf8'))
    expect(published).toEqual(configJsonSchema())
  })
})
