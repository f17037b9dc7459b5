import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { diagnose } from '../../electron/main/doctor/doctor.ts'
import { archiveTenant, unarchiveTenant } from '../../electron/main/lifecycle/archive-tenant.ts'
import { cloneTenant } from '../../electron/main/lifecycle/clone-tenant.ts'
import { exportTenantToFile } from '../../electron/main/lifecycle/export-tenant.ts'
import { importTenantFromFile } from '../../electron/main/lifecycle/import-tenant.ts'
import { moveTenant } from '../../electron/main/lifecycle/move-tenant.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const SERVERS = [
  { label: 'embedded PostgreSQL 18', url: () => inject('embeddedAdminUrl') },
  { label: 'PostgreSQL 15', url: () => inject('externalAdminUrl') },
] as const

const dir = mkdtempSync(join(resolve('.test-data'), 'mobility-'))
let fileNo = 0
const nextFile = (label: string) => join(dir, `${label}-${fileNo++}.tenant`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A tenant with rows in every table, ids with gaps (sequences ahead of max(id)), and text that needs escaping. */
async function seed(tenancy: Tenancy, schema: string, customers = 25): Promise<void> {
  await tenancy.createTenant({ name: `Tenant ${schema}`, schema })
  await tenancy.withTenant(schema, async (scope) => {
    await scope.query(
      `INSERT INTO customers (name, email)
       SELECT 'Customer ' || i || E' tab\\there, newline\\nthere, back\\\\slash, ünïcödé', 'c' || i || '@example.com' FROM generate_series(1, $1::int) i`,
      [customers],
    )
    await scope.query(`INSERT INTO orders (customer_id, amount_cents, status) SELECT id, id * 100, 'paid' FROM customers`)
    await scope.query(`DELETE FROM customers WHERE id = (SELECT max(id) FROM customers)`)
    await scope.query(`INSERT INTO users (email, password_hash) VALUES ('admin@${schema}.example', 'hash')`)
  })
}

interface Snapshot {
  customers: unknown[]
  orders: unknown[]
  users: unknown[]
}

/** Every row of every tenant table, in id order: what "the same data" means here. */
async function contents(tenancy: Tenancy, schema: string): Promise<Snapshot> {
  return tenancy.withTenant(schema, async (scope) => ({
    customers: await scope.query('SELECT id, name, email, created_at::text FROM customers ORDER BY id'),
    orders: await scope.query('SELECT id, customer_id, amount_cents, status, created_at::text FROM orders ORDER BY id'),
    users: await scope.query('SELECT id, email, password_hash, role, created_at::text FROM users ORDER BY id'),
  }))
}

/** Export's view of a project whose every tenant type has exactly `migrations`. */
function everyType(t: TestDatabase, migrations: readonly MigrationDefinition[]): { types: ReadonlyMap<string, readonly MigrationDefinition[]> } {
  return { types: new Map([...t.tenancy.migrations.types.keys()].map((type) => [type, migrations] as const)) }
}

/** Everything a tenant leaves in the database: none of it may exist after a refused operation. */
async function traces(t: TestDatabase, schema: string): Promise<{ registered: boolean; schema: boolean; role: boolean; central: number }> {
  const [row] = await t.db.rows<{ registered: boolean; schema: boolean; role: boolean; central: string }>(
    `SELECT EXISTS (SELECT 1 FROM public.tenants WHERE schema = $1) AS registered,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role,
            (SELECT count(*) FROM public.tenant_migrations WHERE schema = $1) AS central`,
    [schema, tenantRoleName(t.name, schema)],
  )
  return { registered: row?.registered === true, schema: row?.schema === true, role: row?.role === true, central: Number(row?.central ?? 0) }
}

const NONE = { registered: false, schema: false, role: false, central: 0 }

async function expectHealthy(t: TestDatabase): Promise<void> {
  expect((await diagnose(t.tenancy)).findings).toEqual([])
}

describe.each(SERVERS)('tenant lifecycle on $label', ({ url }) => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase(url())
    await seed(t.tenancy, 'acme')
  })
  afterAll(() => t?.drop())

  it('clones structure only at the source migration level, with its own role', async () => {
    const older = new Tenancy(t.db, { migrations: { tenant: tenantMigrations.slice(0, 1) } })
    await older.createTenant({ name: 'Old', schema: 'old_level' })
    const clone = await cloneTenant(t.tenancy, { from: 'old_level', schema: 'old_clone' })
    expect(clone.rows).toBe(0)
    const [level] = await t.db.rows<{ names: string[] }>("SELECT array_agg(name ORDER BY name) AS names FROM public.tenant_migrations WHERE schema = 'old_clone'")
    expect(level?.names).toEqual([tenantMigrations[0]?.name])
    expect(clone.role).toBe(tenantRoleName(t.name, 'old_clone'))
    // Its own role: from the clone's scope the source is out of reach.
    await expect(t.tenancy.withTenant('old_clone', (scope) => scope.query('SELECT count(*) FROM old_level.customers'))).rejects.toThrow(/permission denied/)
    // Behind like its source, and migrated like any tenant.
    expect((await t.tenancy.migrate({ tenant: true })).counts.migrated).toBe(2)
    await expectHealthy(t)
  })

  it('clones with data: every row, and sequences continue after the copied ids', async () => {
    const clone = await cloneTenant(t.tenancy, { from: 'acme', schema: 'acme_copy', data: true, domains: ['copy.example.com'] })
    expect(clone.domains).toEqual(['copy.example.com'])
    const source = await contents(t.tenancy, 'acme')
    expect(clone.rows).toBe(source.customers.length + source.orders.length + source.users.length)
    expect(await contents(t.tenancy, 'acme_copy')).toEqual(source)
    // The source's sequence is past its max id (a row was deleted); the clone's continues from the same place.
    const [next] = await t.tenancy.withTenant('acme_copy', (scope) =>
      scope.query<{ id: string }>("INSERT INTO customers (name, email) VALUES ('New', 'new@example.com') RETURNING id"),
    )
    const [sourceNext] = await t.tenancy.withTenant('acme', (scope) => scope.query<{ last: string }>("SELECT last_value + 1 AS last FROM customers_id_seq"))
    expect(next?.id).toBe(sourceNext?.last)
    await expectHealthy(t)
  })

  it('clones and imports a tenant whose migrations seed rows: the source rows replace the seeded ones', async () => {
    const seeding: MigrationDefinition = {
      name: '0095_seed_settings',
      up: ({ exec }) => exec("CREATE TABLE settings (id int PRIMARY KEY, value text NOT NULL); INSERT INTO settings VALUES (1, 'seeded')"),
    }
    const seeded = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, seeding] } })
    await seeded.createTenant({ name: 'Seeded', schema: 'seeded' })
    await seeded.withTenant('seeded', (s) => s.query("UPDATE settings SET value = 'changed'; INSERT INTO settings VALUES (2, 'more')"))
    await cloneTenant(seeded, { from: 'seeded', schema: 'seeded_clone', data: true })
    const file = nextFile('seeded')
    await exportTenantToFile(t.db, file, { schema: 'seeded' })
    await importTenantFromFile(seeded, file, { schema: 'seeded_import' })
    for (const schema of ['seeded_clone', 'seeded_import']) {
      expect(await seeded.withTenant(schema, (s) => s.query('SELECT id, value FROM settings ORDER BY id'))).toEqual([
        { id: 1, value: 'changed' },
        { id: 2, value: 'more' },
      ])
    }
    for (const schema of ['seeded', 'seeded_clone', 'seeded_import']) await seeded.dropTenant(schema)
  })

  it('refuses a clone onto a taken name, changing nothing', async () => {
    await expect(cloneTenant(t.tenancy, { from: 'acme', schema: 'acme_copy' })).rejects.toThrow('schema: a tenant with schema "acme_copy" already exists')
    await expect(cloneTenant(t.tenancy, { from: 'nope', schema: 'nope_copy' })).rejects.toThrow('no tenant with schema "nope"')
    expect(await traces(t, 'nope_copy')).toEqual(NONE)
  })

  it('renames schema, role, registry, ledgers and the default domain; custom domains stay; the id stays', async () => {
    await seed(t.tenancy, 'renamed_from', 3)
    await t.tenancy.setDomains('renamed_from', ['renamed-from.localhost', 'custom.example.com'])
    const [before] = await t.db.rows<{ id: string }>("SELECT id FROM public.tenants WHERE schema = 'renamed_from'")
    const data = await contents(t.tenancy, 'renamed_from')
    const renamed = await t.tenancy.renameTenant('renamed_from', 'renamed_to')
    expect(renamed.domains).toEqual(['renamed-to.localhost', 'custom.example.com'])
    expect(renamed.role).toBe(tenantRoleName(t.name, 'renamed_to'))
    const [after] = await t.db.rows<{ id: string; central: string }>(
      "SELECT id, (SELECT count(*) FROM public.tenant_migrations WHERE schema = 'renamed_to') AS central FROM public.tenants WHERE schema = 'renamed_to'",
    )
    expect(after?.id).toBe(before?.id)
    expect(Number(after?.central)).toBe(tenantMigrations.length)
    expect(await contents(t.tenancy, 'renamed_to')).toEqual(data)
    expect(await traces(t, 'renamed_from')).toEqual(NONE)
    expect(await t.tenancy.resolve({ host: 'custom.example.com' })).toMatchObject({ ok: true, schema: 'renamed_to' })
    await expectHealthy(t)
  })

  it('a rename waits for a running scope instead of breaking it mid-transaction', async () => {
    await seed(t.tenancy, 'busy', 2)
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => (release = r))
    let entered: () => void = () => undefined
    const inside = new Promise<void>((r) => (entered = r))
    const scope = t.tenancy.withTenant('busy', async (s) => {
      const first = await s.query<{ n: string }>('SELECT count(*) AS n FROM customers')
      entered()
      await held
      // Still the same schema, by its old name, after the rename was asked for.
      const second = await s.query<{ n: string }>('SELECT count(*) AS n FROM customers')
      return [first[0]?.n, second[0]?.n]
    })
    await inside
    const rename = t.tenancy.renameTenant('busy', 'busy_renamed')
    // The rename must be waiting on the scope's lock, not done.
    await waitFor(async () => (await waitingOnAdvisoryLock(t)) > 0)
    release()
    expect(await scope).toEqual(['1', '1'])
    await rename
    await expect(t.tenancy.withTenant('busy', (s) => s.query('SELECT 1'))).rejects.toThrow('no tenant with schema "busy"')
    expect(await t.tenancy.withTenant('busy_renamed', (s) => s.query<{ n: string }>('SELECT count(*) AS n FROM customers'))).toEqual([{ n: '1' }])
  })

  it('refuses a rename onto a taken name or an existing schema, changing nothing', async () => {
    await expect(t.tenancy.renameTenant('acme', 'acme_copy')).rejects.toThrow('to: a tenant with schema "acme_copy" already exists')
    await t.db.exec('CREATE SCHEMA stray')
    await expect(t.tenancy.renameTenant('acme', 'stray')).rejects.toThrow('to: schema "stray" already exists in the database (not a registered tenant)')
    await t.db.exec('DROP SCHEMA stray')
    await expect(t.tenancy.renameTenant('acme', 'Bad-Name')).rejects.toThrow(/^to: /)
    expect((await t.tenancy.getTenant('acme')).schema).toBe('acme')
    await expectHealthy(t)
  })

  it('exports and imports a tenant: same rows, same sequences, counts and checksums in the manifest', async () => {
    const file = nextFile('acme')
    const exported = await exportTenantToFile(t.db, file, { schema: 'acme' })
    const text = readFileSync(file, 'utf8')
    expect(text.startsWith('SCHEMATA-TENANT-EXPORT 1\n#manifest\n')).toBe(true)
    expect(exported.manifest.tenant).toMatchObject({ schema: 'acme', name: 'Tenant acme', domains: ['acme.localhost'] })
    expect(exported.manifest.migrations.map((m) => m.name)).toEqual(tenantMigrations.map((m) => m.name))
    // Recorded with the exporting project's checksums where it has them.
    const withChecksums = await exportTenantToFile(t.db, nextFile('acme-checksums'), { schema: 'acme', migrations: everyType(t, tenantMigrations) })
    expect(withChecksums.manifest.migrations.map((m) => m.checksum)).toEqual(tenantMigrations.map((m) => m.checksum ?? null))
    expect(exported.manifest.tables.map((x) => x.name)).toEqual(['customers', 'orders', 'users'])
    const imported = await importTenantFromFile(t.tenancy, file, { schema: 'acme_imported' })
    expect(imported.rows).toBe(exported.rows)
    expect(imported.tenant.domains).toEqual(['acme-imported.localhost'])
    expect(await contents(t.tenancy, 'acme_imported')).toEqual(await contents(t.tenancy, 'acme'))
    const seq = (schema: string) => t.tenancy.withTenant(schema, (s) => s.query('SELECT last_value, is_called FROM customers_id_seq'))
    expect(await seq('acme_imported')).toEqual(await seq('acme'))
    await expectHealthy(t)
  })

  it('refuses a truncated or tampered file, a taken name and missing migrations, changing nothing', async () => {
    const file = nextFile('refusals')
    await exportTenantToFile(t.db, file, { schema: 'acme' })
    const bytes = readFileSync(file)
    const variants: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /file: is empty/],
      ['cut in the manifest', bytes.subarray(0, 300), /cut short/],
      ['cut in a table', bytes.subarray(0, bytes.indexOf('#table "orders"') + 40), /cut short/],
      ['cut before the closing line', bytes.subarray(0, bytes.lastIndexOf('#end export')), /without its closing line/],
      ['a changed row', Buffer.from(bytes.toString('latin1').replace('Customer 3 ', 'Customer 4 '), 'latin1'), /"table "customers"" does not match its checksum/],
      ['a changed count', Buffer.from(bytes.toString('latin1').replace(/("rows": )(\d+)/, (_m, a: string, n: string) => `${a}${Number(n) + 1}`), 'latin1'), /manifest" does not match its checksum/],
      ['a dropped part', Buffer.from(bytes.toString('latin1').replace(/#table "users"\n[^]*?#end table "users"[^\n]*\n/, ''), 'latin1'), /says it has 4 parts but holds 3/],
      ['not an export', Buffer.from('hello\n'), /not a Schemata tenant export/],
    ]
    for (const [label, content, error] of variants) {
      const bad = nextFile(`bad-${label.replaceAll(' ', '-')}`)
      writeFileSync(bad, content)
      await expect(importTenantFromFile(t.tenancy, bad, { schema: 'refused' }), label).rejects.toThrow(error)
      expect(await traces(t, 'refused'), label).toEqual(NONE)
    }
    await expect(importTenantFromFile(t.tenancy, file)).rejects.toThrow('schema: a tenant with schema "acme" already exists')
    // An export from a build with a migration this project lacks.
    const extra: MigrationDefinition = { name: '0099_extra_table', up: ({ exec }) => exec('CREATE TABLE extra (id int PRIMARY KEY)').then(() => undefined) }
    const newer = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, extra] } })
    await newer.createTenant({ name: 'Newer', schema: 'newer' })
    const newerFile = nextFile('newer')
    await exportTenantToFile(t.db, newerFile, { schema: 'newer' })
    await expect(importTenantFromFile(t.tenancy, newerFile, { schema: 'refused' })).rejects.toThrow(
      'file: the tenant in this file has migration(s) this project lacks: 0099_extra_table',
    )
    expect(await traces(t, 'refused')).toEqual(NONE)
    await newer.dropTenant('newer')
    // An export from a project whose migration of the same name has another checksum.
    const edited = tenantMigrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m))
    const editedFile = nextFile('edited')
    await exportTenantToFile(t.db, editedFile, { schema: 'acme', migrations: everyType(t, edited) })
    const [first] = tenantMigrations
    const ours = tenantMigrations.map((m) => (m.checksum === undefined ? { ...m, checksum: '0'.repeat(64) } : m))
    const strict = new Tenancy(t.db, { migrations: { tenant: ours } })
    await expect(importTenantFromFile(strict, editedFile, { schema: 'refused' })).rejects.toThrow(
      `file: migration(s) ${first?.name ?? ''} differ from this project's (checksum mismatch)`,
    )
    expect(await traces(t, 'refused')).toEqual(NONE)
  })

  it('restores beside the live tenant and swaps them in one transaction', async () => {
    await seed(t.tenancy, 'live', 4)
    const file = nextFile('live')
    await exportTenantToFile(t.db, file, { schema: 'live' })
    const backup = await contents(t.tenancy, 'live')
    await t.tenancy.withTenant('live', (s) => s.query('DELETE FROM orders'))
    const sibling = await importTenantFromFile(t.tenancy, file, { asSibling: true })
    expect(sibling.tenant).toMatchObject({ schema: 'live__restored', name: 'Tenant live (restored)', domains: ['live--restored.localhost'] })
    await expectHealthy(t)
    const damaged = await contents(t.tenancy, 'live')
    await t.tenancy.swapTenants('live', 'live__restored')
    expect(await contents(t.tenancy, 'live')).toEqual(backup)
    expect(await contents(t.tenancy, 'live__restored')).toEqual(damaged)
    // Names, domains and ids stay with the registry rows.
    expect(await t.tenancy.resolve({ host: 'live.localhost' })).toMatchObject({ ok: true, schema: 'live' })
    await expectHealthy(t)
    await expect(t.tenancy.swapTenants('live', 'missing')).rejects.toThrow('no tenant with schema "missing"')
    expect(await contents(t.tenancy, 'live')).toEqual(backup)
  })

  it('archives (export, verify, drop; the row stays) and unarchives with the same id and domains', async () => {
    await seed(t.tenancy, 'churned', 3)
    const data = await contents(t.tenancy, 'churned')
    const [before] = await t.db.rows<{ id: string }>("SELECT id FROM public.tenants WHERE schema = 'churned'")
    const archived = await archiveTenant(t.tenancy, { schema: 'churned', dir })
    const [row] = await t.db.rows<{ status: string; archive_path: string; archive_sha256: string }>(
      "SELECT status, archive_path, archive_sha256 FROM public.tenants WHERE schema = 'churned'",
    )
    expect(row).toEqual({ status: 'archived', archive_path: archived.path, archive_sha256: archived.sha256 })
    expect(await traces(t, 'churned')).toEqual({ registered: true, schema: false, role: false, central: 0 })
    await expect(t.tenancy.withTenant('churned', (s) => s.query('SELECT 1'))).rejects.toThrow('tenant "churned" is archived')
    expect(await t.tenancy.resolve({ host: 'churned.localhost' })).toMatchObject({ ok: true, status: 'archived' })
    await expectHealthy(t)
    // A file that is not the recorded archive is refused.
    const other = nextFile('not-the-archive')
    await exportTenantToFile(t.db, other, { schema: 'acme' })
    await expect(unarchiveTenant(t.tenancy, { schema: 'churned', file: other })).rejects.toThrow('holds tenant "acme", not "churned"')
    expect(await traces(t, 'churned')).toEqual({ registered: true, schema: false, role: false, central: 0 })
    const back = await unarchiveTenant(t.tenancy, { schema: 'churned' })
    expect(back.domains).toEqual(['churned.localhost'])
    const [after] = await t.db.rows<{ id: string; status: string }>("SELECT id, status FROM public.tenants WHERE schema = 'churned'")
    expect(after).toEqual({ id: before?.id, status: 'active' })
    expect(await contents(t.tenancy, 'churned')).toEqual(data)
    await expectHealthy(t)
  })
})

describe('between PostgreSQL 15 and 18', () => {
  let e: TestDatabase
  let x: TestDatabase
  beforeAll(async () => {
    e = await createTestDatabase(inject('embeddedAdminUrl'))
    x = await createTestDatabase(inject('externalAdminUrl'))
  })
  afterAll(async () => {
    await e?.drop()
    await x?.drop()
  })

  it('exports from 15, imports into 18, and back, row for row', async () => {
    await seed(x.tenancy, 'travel', 40)
    const data = await contents(x.tenancy, 'travel')
    const from15 = nextFile('from15')
    const exported = await exportTenantToFile(x.db, from15, { schema: 'travel' })
    expect(exported.manifest.postgres.versionNum).toBeLessThan(160000)
    await importTenantFromFile(e.tenancy, from15)
    expect(await contents(e.tenancy, 'travel')).toEqual(data)
    const from18 = nextFile('from18')
    const back = await exportTenantToFile(e.db, from18, { schema: 'travel' })
    expect(back.manifest.postgres.versionNum).toBeGreaterThanOrEqual(180000)
    await importTenantFromFile(x.tenancy, from18, { schema: 'travel_back' })
    expect(await contents(x.tenancy, 'travel_back')).toEqual(data)
    await expectHealthy(e)
    await expectHealthy(x)
  })

  it('moves a tenant from 18 to 15: verified there, marked moved here, dropped with dropSource', async () => {
    await seed(e.tenancy, 'mover', 10)
    const data = await contents(e.tenancy, 'mover')
    const result = await moveTenant(e.tenancy, { schema: 'mover', to: x.url, dropSource: true })
    expect(result).toMatchObject({ schema: 'mover', droppedSource: true, resumed: false, rows: data.customers.length + data.orders.length + data.users.length })
    expect(result.movedTo).not.toContain(new URL(x.url).password)
    expect(await contents(x.tenancy, 'mover')).toEqual(data)
    const [row] = await e.db.rows<{ status: string }>("SELECT status FROM public.tenants WHERE schema = 'mover'")
    expect(row?.status).toBe('moved')
    expect(await traces(e, 'mover')).toEqual({ registered: true, schema: false, role: false, central: 0 })
    await expect(e.tenancy.withTenant('mover', (s) => s.query('SELECT 1'))).rejects.toThrow('tenant "mover" is moved')
    await expectHealthy(e)
    await expectHealthy(x)
  })

  it('refuses a move to a database that is not a Schemata one, or unreachable, or already has the tenant', async () => {
    await seed(e.tenancy, 'stay', 2)
    const plain = new URL(x.url)
    plain.pathname = '/postgres'
    await expect(moveTenant(e.tenancy, { schema: 'stay', to: plain.toString() })).rejects.toThrow(/to: .* is not a Schemata database/)
    await expect(moveTenant(e.tenancy, { schema: 'stay', to: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(/to: cannot reach/)
    await expect(moveTenant(e.tenancy, { schema: 'stay', to: e.url })).rejects.toThrow('to: is this same database')
    await x.tenancy.createTenant({ name: 'Taken', schema: 'stay' })
    await expect(moveTenant(e.tenancy, { schema: 'stay', to: x.url })).rejects.toThrow('to: the target already has a tenant "stay"')
    expect((await e.tenancy.getTenant('stay')).status).toBe('active')
    await expectHealthy(e)
  })
})

async function waitingOnAdvisoryLock(t: TestDatabase): Promise<number> {
  const [row] = await t.db.rows<{ n: string }>(
    "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  )
  return Number(row?.n ?? 0)
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}
