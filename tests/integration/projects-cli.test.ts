import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { type CliOutcome, runSchemata } from '../fixtures/cli-process.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const HELPDESK = path.resolve('examples/helpdesk')

/** Runs the real `schemata` binary in `cwd`, as a user in that folder would. */
function schemata(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  return runSchemata(args, { cwd, env })
}

/** Every file below `dir` with its content, to prove a refused command wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name)
      files[path.relative(dir, file)] = readFileSync(file, 'utf8')
    }
  }
  return files
}

const scratch: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'schemata-cli-project-'))
  scratch.push(dir)
  return dir
}
afterAll(() => { for (const dir of scratch) rmSync(dir, { recursive: true, force: true }) })

describe('schemata init', () => {
  it('scaffolds a config, both migration folders and a first migration that loads', async () => {
    const parent = tempDir()
    const made = await schemata(parent, ['init', 'notes-app', '--name', 'Notes', '--json'])
    expect(made.code).toBe(0)
    const result = JSON.parse(made.stdout) as { name: string; dir: string; files: string[] }
    expect(result.name).toBe('Notes')
    const dir = path.join(parent, 'notes-app')
    expect(Object.keys(snapshot(dir)).sort()).toEqual(['migrations/shared/README.md', 'migrations/tenant/0001_create_notes.sql', 'schemata.config.json'])
    const config = JSON.parse(readFileSync(path.join(dir, 'schemata.config.json'), 'utf8')) as Record<string, unknown>
    expect(config).toMatchObject({ name: 'Notes', sharedMigrations: 'migrations/shared', tenantTypes: { standard: { migrations: 'migrations/tenant' } } })
    // The $schema reference points at the published schema from where the project is.
    expect(path.resolve(dir, String(config.$schema))).toBe(path.resolve('schemata.config.schema.json'))
  })

  it('refuses a folder that already holds a project, naming the file, and changes nothing', async () => {
    const dir = tempDir()
    expect((await schemata(dir, ['init'])).code).toBe(0)
    writeFileSync(path.join(dir, 'migrations/tenant/0001_create_notes.sql'), '-- migrate:up\nCREATE TABLE mine (id int);\n')
    const before = snapshot(dir)
    const again = await schemata(dir, ['init', '.'])
    expect(again.code).toBe(2)
    expect(again.stderr.trim()).toMatch(/^dir: schemata\.config\.json already exists; init writes only into a folder without a project$/)
    expect(snapshot(dir)).toEqual(before)
  })

  it('has --help and refuses unknown flags with exit 2', async () => {
    const dir = tempDir()
    const help = await schemata(dir, ['init', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: schemata init \[DIR\]/)
    const bad = await schemata(dir, ['init', '--nmae', 'x'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^nmae: Unknown option '--nmae'/)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('opening a project from the CLI (real PostgreSQL)', () => {
  let t: TestDatabase

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'), { migrateShared: false })
  })
  afterAll(() => t?.drop())

  async function registryExists(): Promise<boolean> {
    const [row] = await t.db.rows<{ present: boolean }>("SELECT to_regclass('public.tenants') IS NOT NULL AS present")
    return row?.present === true
  }

  it('a broken config is exit 2 with one line naming the key and rule, before the database is touched', async () => {
    const dir = tempDir()
    expect((await schemata(dir, ['init'])).code).toBe(0)
    const configFile = path.join(dir, 'schemata.config.json')
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { tenantTypes: Record<string, unknown> }
    config.tenantTypes.standard = { migrations: ['migrations/tenant', 'migrations/missing'] }
    writeFileSync(configFile, JSON.stringify(config))
    const failed = await schemata(dir, ['migrate'], { DATABASE_URL: t.url })
    expect(failed.code).toBe(2)
    expect(failed.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^schemata\.config\.json: tenantTypes\.standard\.migrations\[1\]: folder "migrations\/missing" does not exist/),
    ])
    expect(await registryExists()).toBe(false)
  })

  it('a SQL migration without an up section is exit 2 naming the file, and nothing is migrated', async () => {
    const dir = tempDir()
    expect((await schemata(dir, ['init'])).code).toBe(0)
    writeFileSync(path.join(dir, 'migrations/tenant/0002_broken.sql'), 'ALTER TABLE notes ADD COLUMN title text;\n')
    // Found from a subfolder, as from any folder inside the project; the file is named as seen from there.
    const failed = await schemata(path.join(dir, 'migrations'), ['migrate'], { DATABASE_URL: t.url })
    expect(failed.code).toBe(2)
    expect(failed.stderr.trim()).toMatch(/^tenant\/0002_broken\.sql: has no -- migrate:up section \(/)
    expect(await registryExists()).toBe(false)
  })

  it('--config and SCHEMATA_CONFIG open a project from anywhere; its tenants get its migrations', async () => {
    const elsewhere = tempDir()
    const migrated = await schemata(elsewhere, ['--config', HELPDESK, 'migrate', '--json'], { DATABASE_URL: t.url })
    expect(migrated.code, migrated.stderr).toBe(0)
    expect(JSON.parse(migrated.stdout)).toMatchObject({ shared: { status: 'migrated', applied: expect.arrayContaining(['0001_create_plans']) as unknown } })
    const created = await schemata(elsewhere, ['tenant', 'create', '--name', 'Acme Support', '--schema', 'acme'], {
      DATABASE_URL: t.url,
      SCHEMATA_CONFIG: path.join(HELPDESK, 'schemata.config.json'),
    })
    expect(created.code, created.stderr).toBe(0)
    const tables = await t.db.rows<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'acme' ORDER BY tablename")
    expect(tables.map((r) => r.name)).toEqual(['agents', 'comments', 'schemata_migrations', 'subscription', 'tickets'])
    // The TypeScript migration ran too: tickets got their numbers.
    const [column] = await t.db.rows("SELECT 1 FROM information_schema.columns WHERE table_schema = 'acme' AND table_name = 'tickets' AND column_name = 'number'")
    expect(column).toBeDefined()
    const plans = await t.db.rows<{ id: string }>('SELECT id FROM public.plans ORDER BY price_cents')
    expect(plans.map((p) => p.id)).toEqual(['free', 'team', 'business', 'enterprise'])
  })

  it('tenant types from the CLI: create --type, list shows them, a bad type is exit 2, set-type migrates', async () => {
    const env = { DATABASE_URL: t.url }
    const created = await schemata(HELPDESK, ['tenant', 'create', '--name', 'Globex Support', '--schema', 'globex', '--type', 'enterprise'], env)
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toMatch(/type enterprise/)
    const bad = await schemata(HELPDESK, ['tenant', 'create', '--name', 'Hooli', '--schema', 'hooli', '--type', 'gold'], env)
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe('type: "gold" is not a tenant type of this project (one of "standard", "enterprise")')
    const list = await schemata(HELPDESK, ['tenant', 'list', '--json'], env)
    expect((JSON.parse(list.stdout) as { schema: string; type: string; pending: number }[]).map((x) => [x.schema, x.type, x.pending])).toEqual([
      ['acme', 'standard', 0],
      ['globex', 'enterprise', 0],
    ])
    const changed = await schemata(HELPDESK, ['tenant', 'set-type', '--schema', 'acme', '--type', 'enterprise', '--json'], env)
    expect(changed.code, changed.stderr).toBe(0)
    expect(JSON.parse(changed.stdout)).toEqual({ schema: 'acme', from: 'standard', to: 'enterprise', reverted: [], applied: ['1001_create_audit_log'] })
    const [audit] = await t.db.rows("SELECT 1 FROM pg_tables WHERE schemaname = 'acme' AND tablename = 'audit_log'")
    expect(audit).toBeDefined()
  })

  it('migrate refuses a changed applied migration with exit 2 naming file and tenant; --repair-checksums accepts it', async () => {
    const copy = tempDir()
    cpSync(HELPDESK, copy, { recursive: true })
    const env = { DATABASE_URL: t.url }
    const subscription = path.join(copy, 'migrations/tenant/0003_create_subscription.sql')
    writeFileSync(subscription, readFileSync(subscription, 'utf8').replace("DEFAULT 'free'", "DEFAULT 'team'"))
    const refused = await schemata(copy, ['migrate'], env)
    expect(refused.code).toBe(2)
    expect(refused.stderr.trim().split('\n')).toEqual([
      'migrations/tenant/0003_create_subscription.sql: changed since it was applied to tenant "acme" (and 1 other tenant); restore the file, or run "schemata migrate --repair-checksums" if the change is deliberate',
    ])
    const doctor = await schemata(copy, ['doctor', '--json'], env)
    expect(doctor.code).toBe(1)
    expect((JSON.parse(doctor.stdout) as { findings: { schema: string; check: string }[] }).findings.filter((f) => f.check === 'migration-changed').map((f) => f.schema)).toEqual(['acme', 'globex'])
    const repaired = await schemata(copy, ['migrate', '--repair-checksums'], env)
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(repaired.stdout).toBe('acme: recorded the current checksum of 0003_create_subscription\nglobex: recorded the current checksum of 0003_create_subscription\n')
    expect((await schemata(copy, ['migrate'], env)).code).toBe(0)
    // The repository's own copy is unchanged, so from there it is now the "changed" one.
    expect((await schemata(HELPDESK, ['migrate'], env)).code).toBe(2)
    expect((await schemata(HELPDESK, ['migrate', '--repair-checksums', '--json'], env)).code).toBe(0)
  })
})
