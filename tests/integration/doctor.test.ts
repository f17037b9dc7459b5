import { afterEach, describe, expect, it, inject } from 'vitest'
import { runCli } from '../../electron/main/cli/main.ts'
import type { DoctorJson } from '../../electron/main/cli/commands/doctor-command.ts'
import { diagnose, runDoctor } from '../../electron/main/doctor/doctor.ts'
import type { Finding } from '../../electron/main/doctor/findings.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { TenantSessions } from '../../electron/main/tenancy/tenant-sessions.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { SCHEMATA_BIN, runNode } from '../fixtures/cli-process.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const databases: TestDatabase[] = []
afterEach(async () => {
  for (const t of databases.splice(0)) await t.drop()
})

/** A fresh database with tenants `names` (on the embedded server unless another admin URL is given). */
async function withTenants(...names: string[]): Promise<TestDatabase> {
  return withTenantsOn(inject('embeddedAdminUrl'), ...names)
}

async function withTenantsOn(adminUrl: string, ...names: string[]): Promise<TestDatabase> {
  const t = await createTestDatabase(adminUrl)
  databases.push(t)
  for (const schema of names) await t.tenancy.createTenant({ name: `Tenant ${schema}`, schema })
  return t
}

/** `schemata doctor …` in this process: the real command, flags and exit code. */
async function doctorCli(t: TestDatabase, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const io = { out: (line: string) => (stdout += `${line}\n`), err: (line: string) => (stderr += `${line}\n`) }
  const code = await runCli(['doctor', ...args], io, { DATABASE_URL: t.url })
  return { code, stdout, stderr }
}

async function doctorJson(t: TestDatabase, ...args: string[]): Promise<{ code: number; json: DoctorJson }> {
  const { code, stdout } = await doctorCli(t, '--json', ...args)
  return { code, json: JSON.parse(stdout) as DoctorJson }
}

/** Findings as `schema check` pairs, for compact expectations. */
function checks(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.schema} ${f.check}`).sort()
}

function role(t: TestDatabase, schema: string): string {
  return tenantRoleName(t.name, schema)
}

describe('doctor on a healthy database', () => {
  it('finds nothing, exits 0, and leaves no trace of its reference schema', async () => {
    const t = await withTenants('acme', 'globex')
    expect((await diagnose(t.tenancy)).findings).toEqual([])
    const text = await doctorCli(t)
    expect(text.code).toBe(0)
    expect(text.stdout).toBe('healthy: 2 tenant(s), no findings\n')
    expect(await doctorJson(t)).toEqual({ code: 0, json: { healthy: true, findings: [] } })
    expect(await t.db.rows("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'schemata\\_doctor\\_%'")).toEqual([])
  })

  it('the binary: `schemata doctor --json` prints the stable shape and exits 1 while findings remain', async () => {
    const t = await withTenants('acme')
    await t.db.exec(`ALTER ROLE ${role(t, 'acme')} LOGIN`)
    const run = await runNode([SCHEMATA_BIN, 'doctor', '--json'], { DATABASE_URL: t.url })
    expect(run.code).toBe(1)
    const json = JSON.parse(run.stdout) as DoctorJson
    expect(json).toEqual({
      healthy: false,
      findings: [{ schema: 'acme', check: 'role-attributes', severity: 'error', message: expect.stringMatching(/has LOGIN/) as string, fixable: true }],
    })
    const fixed = await runNode([SCHEMATA_BIN, 'doctor', '--fix', '--json'], { DATABASE_URL: t.url })
    expect(fixed.code).toBe(0)
    expect((JSON.parse(fixed.stdout) as DoctorJson).findings).toMatchObject([{ check: 'role-attributes', fixed: true }])
  })
})

describe('roles and grants', () => {
  it('finds every broken grant, says why, and --fix restores exactly the provisioned ones', async () => {
    const t = await withTenants('acme', 'globex')
    const acme = role(t, 'acme')
    const globex = role(t, 'globex')
    await t.db.exec(`
      ALTER ROLE ${acme} LOGIN CREATEDB;
      GRANT CREATE ON SCHEMA acme TO ${acme};
      GRANT USAGE ON SCHEMA globex TO ${acme};
      GRANT SELECT ON globex.customers TO ${acme};
      GRANT USAGE ON SCHEMA acme TO PUBLIC;
      REVOKE DELETE ON globex.orders FROM ${globex};
      GRANT TRUNCATE ON globex.users TO ${globex};
      GRANT INSERT ON globex.schemata_migrations TO ${globex};
      ALTER DEFAULT PRIVILEGES IN SCHEMA globex REVOKE INSERT ON TABLES FROM ${globex};
      GRANT ${acme} TO ${globex};`)
    const before = await diagnose(t.tenancy)
    expect(checks(before.findings)).toEqual(
      [
        'acme role-attributes',
        'acme schema-privileges',
        'acme cross-tenant-access', // USAGE on globex
        'acme cross-tenant-access', // SELECT on globex.customers
        'acme cross-tenant-access', // PUBLIC on acme
        'globex table-privileges', // missing DELETE
        'globex table-privileges', // extra TRUNCATE
        'globex ledger-privileges',
        'globex default-privileges',
        'globex role-membership',
      ].sort(),
    )
    expect(before.findings.every((f) => f.fixable)).toBe(true)
    const byMessage = (pattern: RegExp) => before.findings.find((f) => pattern.test(f.message))
    expect(byMessage(/has USAGE on schema "globex" of tenant "Tenant globex"/)?.message).toMatch(/reach data that is not its own/)
    expect(byMessage(/lacks DELETE on globex\.orders/)?.message).toMatch(/permission denied/)
    expect(byMessage(/PUBLIC has USAGE on schema "acme"/)?.severity).toBe('error')

    const { code, json } = await doctorJson(t, '--fix')
    expect(code).toBe(0)
    expect(json.healthy).toBe(true)
    expect(json.findings).toHaveLength(10)
    expect(json.findings.every((f) => f.fixed === true)).toBe(true)
    expect((await diagnose(t.tenancy)).findings).toEqual([])

    // What the grants are for: each tenant works in its scope and cannot reach the other.
    await t.tenancy.withTenant('globex', (scope) => scope.query("INSERT INTO customers (name, email) VALUES ('x', 'x@x.x')"))
    await t.tenancy.withTenant('globex', (scope) => scope.query('DELETE FROM orders'))
    await expect(t.tenancy.withTenant('acme', (scope) => scope.query('SELECT * FROM globex.customers'))).rejects.toThrow(/permission denied/)
    await expect(t.tenancy.withTenant('globex', (scope) => scope.query('SELECT * FROM schemata_migrations'))).rejects.toThrow(/permission denied/)
    const [attrs] = await t.db.rows<{ rolcanlogin: boolean; rolcreatedb: boolean }>('SELECT rolcanlogin, rolcreatedb FROM pg_roles WHERE rolname = $1', [acme])
    expect(attrs).toEqual({ rolcanlogin: false, rolcreatedb: false })
  })

  it('recreates a missing tenant role with its grants, and the tenant works again', async () => {
    const t = await withTenants('acme')
    await t.db.exec(`DROP OWNED BY ${role(t, 'acme')}; DROP ROLE ${role(t, 'acme')}`)
    // Entering the scope fails in PostgreSQL itself: SET ROLE to a role that is gone.
    await expect(t.tenancy.withTenant('acme', (scope) => scope.query('SELECT 1'))).rejects.toMatchObject({
      code: '22023',
      message: `role "${role(t, 'acme')}" does not exist`,
    })
    const before = await diagnose(t.tenancy)
    expect(checks(before.findings)).toEqual(['acme role-missing'])
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report).toMatchObject({ healthy: true, findings: [{ check: 'role-missing', fixed: true }] })
    await t.tenancy.withTenant('acme', (scope) => scope.query("INSERT INTO customers (name, email) VALUES ('x', 'x@x.x')"))
    await expect(t.tenancy.withTenant('acme', (scope) => scope.query('SELECT * FROM schemata_migrations'))).rejects.toThrow(/permission denied/)
  })

  it('reports a role that owns objects and leaves it to a human', async () => {
    const t = await withTenants('acme')
    await t.db.exec(`CREATE TABLE public.stray (id int); ALTER TABLE public.stray OWNER TO ${role(t, 'acme')}`)
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report.healthy).toBe(false)
    expect(report.findings).toMatchObject([{ schema: 'acme', check: 'role-owns-objects', fixable: false, fixed: false }])
    expect(report.findings[0]?.message).toMatch(/owns 1 object\(s\).*Not repaired by --fix: .*REASSIGN OWNED/)
  })
})

describe('temporary tables and tenant logins (issue 10, items 1 and 2)', () => {
  const canTemp = async (t: TestDatabase, schema: string): Promise<boolean | undefined> =>
    (await t.db.rows<{ ok: boolean }>("SELECT has_database_privilege($1, current_database(), 'TEMPORARY') AS ok", [role(t, schema)]))[0]?.ok

  it('reports TEMPORARY held through PUBLIC or granted to a tenant role, and --fix takes it back', async () => {
    const t = await withTenants('acme', 'globex')
    expect(await canTemp(t, 'acme')).toBe(false)
    // What every database had before shared migration 0006: PostgreSQL's default.
    await t.db.exec(`GRANT TEMPORARY ON DATABASE ${quoteIdent(t.name)} TO PUBLIC`)
    const before = await diagnose(t.tenancy)
    expect(checks(before.findings)).toEqual(['public temp-privilege'])
    expect(before.findings[0]).toMatchObject({ severity: 'error', fixable: true })
    expect((await runDoctor(t.tenancy, { fix: true })).healthy).toBe(true)
    expect(await canTemp(t, 'acme')).toBe(false)

    await t.db.exec(`GRANT TEMPORARY ON DATABASE ${quoteIdent(t.name)} TO ${quoteIdent(role(t, 'globex'))}`)
    expect(checks((await diagnose(t.tenancy)).findings)).toEqual(['globex temp-privilege'])
    expect((await runDoctor(t.tenancy, { fix: true })).healthy).toBe(true)
    expect(await canTemp(t, 'globex')).toBe(false)
  })

  it('a live tenant-session login is no finding; one a crashed process left behind (expired) or one that never expires is, and --fix clears it', async () => {
    const t = await withTenants('acme', 'globex')
    const sessions = new TenantSessions(t.db)
    try {
      await sessions.run('acme', 'SELECT 1')
      expect((await diagnose(t.tenancy)).findings).toEqual([])
    } finally {
      await sessions.close()
    }
    await t.db.exec(`ALTER ROLE ${quoteIdent(role(t, 'acme'))} LOGIN PASSWORD 'left-behind' VALID UNTIL '2000-01-01'`)
    await t.db.exec(`ALTER ROLE ${quoteIdent(role(t, 'globex'))} LOGIN PASSWORD 'forever'`)
    expect(checks((await diagnose(t.tenancy)).findings)).toEqual(['acme role-attributes', 'globex role-attributes'])
    expect((await runDoctor(t.tenancy, { fix: true })).healthy).toBe(true)
    const logins = await t.db.rows<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = ANY($1)', [
      [role(t, 'acme'), role(t, 'globex')],
    ])
    expect(logins).toEqual([{ rolcanlogin: false }, { rolcanlogin: false }])
  })
})

describe('ledgers and migrations', () => {
  const addNotes: MigrationDefinition = {
    name: '0003_add_order_notes',
    up: ({ query }) => query('ALTER TABLE orders ADD COLUMN notes text; CREATE TABLE tags (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)').then(() => undefined),
  }

  it('restores a missing central-ledger row when the schema’s ledger and tables prove the migration ran', async () => {
    const t = await withTenants('acme')
    const [before] = await t.db.rows<{ applied_at: Date }>("SELECT applied_at FROM acme.schemata_migrations WHERE name = '0002_create_users'")
    await t.db.exec("DELETE FROM public.tenant_migrations WHERE schema = 'acme' AND name = '0002_create_users'")
    expect((await t.tenancy.tenantsBehind()).map((x) => x.schema)).toEqual(['acme'])
    const findings = (await diagnose(t.tenancy)).findings
    expect(findings).toMatchObject([{ schema: 'acme', check: 'central-ledger-missing', fixable: true }])
    expect((await runDoctor(t.tenancy, { fix: true })).healthy).toBe(true)
    const [after] = await t.db.rows<{ applied_at: Date }>(
      "SELECT applied_at FROM public.tenant_migrations WHERE schema = 'acme' AND name = '0002_create_users'",
    )
    expect(after?.applied_at).toEqual(before?.applied_at)
    expect(await t.tenancy.tenantsBehind()).toEqual([])
  })

  it('will not vouch for a central row when the tables do not match, nor pick a side when the schema’s own ledger lacks a row', async () => {
    const t = await withTenants('acme', 'globex')
    await t.db.exec(`
      DELETE FROM public.tenant_migrations WHERE schema = 'acme' AND name = '0002_create_users';
      DROP TABLE acme.users;
      -- 0003_user_sign_out alters users, so a ledger without 0002 cannot hold it either.
      DELETE FROM globex.schemata_migrations WHERE name IN ('0002_create_users', '0003_user_sign_out');`)
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report.healthy).toBe(false)
    const acme = report.findings.filter((f) => f.schema === 'acme')
    expect(checks(acme)).toEqual(['acme central-ledger-missing', 'acme drift'])
    expect(acme.find((f) => f.check === 'central-ledger-missing')).toMatchObject({ fixable: false, fixed: false })
    expect(acme.find((f) => f.check === 'drift')?.message).toMatch(/table users is missing/)
    // globex: its tables have users although its own ledger forgot 0002 — the reference for what the ledger says is drift, too.
    expect(checks(report.findings.filter((f) => f.schema === 'globex'))).toEqual(['globex drift', 'globex own-ledger-missing'])
    expect(report.findings.find((f) => f.check === 'own-ledger-missing')).toMatchObject({ fixable: false })
  })

  it('reports pending migrations without calling the lagging tables drift, and --fix runs the migrator', async () => {
    const t = await withTenants('acme', 'globex')
    const upgraded = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, addNotes] } })
    const before = await diagnose(upgraded)
    expect(before.findings).toMatchObject([
      { schema: 'acme', check: 'migration-pending', severity: 'warning', fixable: true },
      { schema: 'globex', check: 'migration-pending', severity: 'warning', fixable: true },
    ])
    const report = await runDoctor(upgraded, { fix: true })
    expect(report.healthy).toBe(true)
    await upgraded.withTenant('acme', (scope) => scope.query('SELECT notes FROM orders; SELECT id FROM tags'))
    // The build without 0003 now sees a migration it does not know.
    const older = await diagnose(t.tenancy)
    expect(older.findings.map((f) => f.check)).toEqual(['unknown-migration', 'unknown-migration'])
  })

  it('says so once when the applied migrations no longer run on an empty schema', async () => {
    const t = await withTenants('acme', 'globex')
    const copyLookup: MigrationDefinition = {
      name: '0099_copy_lookup',
      up: ({ query }) => query('CREATE TABLE lookup AS SELECT * FROM public.lookup_seed').then(() => undefined),
    }
    await t.db.exec('CREATE TABLE public.lookup_seed (code text)')
    const upgraded = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, copyLookup] } })
    expect((await upgraded.migrate({ tenant: true })).counts.failed).toBe(0)
    await t.db.exec('DROP TABLE public.lookup_seed')
    const { findings } = await diagnose(upgraded)
    expect(findings).toMatchObject([{ schema: '*', check: 'reference', severity: 'error', fixable: false }])
    const all = [...tenantMigrations.map((m) => m.name), '0099_copy_lookup'].join(', ')
    expect(findings[0]?.message).toContain(`cannot be migrated to [${all}]: `)
    expect(findings[0]?.message).toMatch(/lookup_seed/)
  })

  it('reports a missing ledger table, which nothing can prove back', async () => {
    const t = await withTenants('acme')
    await t.db.exec('DROP TABLE acme.schemata_migrations')
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report.findings).toMatchObject([{ schema: 'acme', check: 'ledger-missing', fixable: false, fixed: false }])
  })

  it('reports and repairs pending shared migrations of a new database', async () => {
    const t = await createTestDatabase(inject('embeddedAdminUrl'), { migrateShared: false })
    databases.push(t)
    const { code, json } = await doctorJson(t)
    expect(code).toBe(1)
    expect(json.findings).toMatchObject([{ schema: 'public', check: 'shared-migrations', fixable: true }])
    expect((await doctorJson(t, '--fix')).json).toMatchObject({ healthy: true, findings: [{ check: 'shared-migrations', fixed: true }] })
  })
})

describe('orphans and missing schemas', () => {
  it('drops an empty orphan schema and an orphan role, and leaves an orphan schema with data alone', async () => {
    const t = await withTenants('acme')
    await t.db.exec(`
      CREATE SCHEMA leftover;
      CREATE TABLE leftover.schemata_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE leftover.customers (id int);
      INSERT INTO leftover.schemata_migrations (name) VALUES ('0001_create_customers_orders');
      CREATE SCHEMA keepme;
      CREATE TABLE keepme.schemata_migrations (name text PRIMARY KEY);
      CREATE TABLE keepme.customers (id int);
      INSERT INTO keepme.customers VALUES (1);
      CREATE ROLE ${role(t, 'ghost')} NOLOGIN;
      CREATE SCHEMA haunted;
      CREATE ROLE ${role(t, 'haunted')} NOLOGIN;
      GRANT USAGE ON SCHEMA haunted TO ${role(t, 'haunted')};
      CREATE SCHEMA unrelated;`)
    const before = await diagnose(t.tenancy)
    expect(before.findings.map((f) => [f.schema, f.check, f.fixable])).toEqual([
      ['haunted', 'orphan-schema', true],
      ['keepme', 'orphan-schema', false],
      ['leftover', 'orphan-schema', true],
      ['ghost', 'orphan-role', true],
    ])
    expect(before.findings.find((f) => f.schema === 'keepme')?.message).toMatch(/holds data.*Not repaired by --fix: it holds data/)

    const { code, json } = await doctorJson(t, '--fix')
    expect(code).toBe(1)
    expect(json.findings.map((f) => [f.schema, f.fixed])).toEqual([
      ['haunted', true],
      ['keepme', false],
      ['leftover', true],
      ['ghost', true],
    ])
    const schemas = (await t.db.rows<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname IN ('leftover', 'keepme', 'haunted', 'unrelated') ORDER BY 1")).map((r) => r.nspname)
    expect(schemas).toEqual(['keepme', 'unrelated'])
    expect(await t.db.rows('SELECT * FROM keepme.customers')).toEqual([{ id: 1 }])
    expect(await t.db.rows('SELECT rolname FROM pg_roles WHERE rolname IN ($1, $2)', [role(t, 'ghost'), role(t, 'haunted')])).toEqual([])
  })

  it('handles an orphan whose name needs quoting', async () => {
    const t = await withTenants('acme')
    await t.db.exec(`CREATE SCHEMA "Odd ""x""; name"; CREATE TABLE "Odd ""x""; name".schemata_migrations (name text PRIMARY KEY)`)
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report).toMatchObject({ healthy: true, findings: [{ schema: 'Odd "x"; name', check: 'orphan-schema', fixed: true }] })
  })

  it('reports a registered tenant whose schema is gone and will not recreate it', async () => {
    const t = await withTenants('acme', 'globex')
    await t.db.exec('DROP SCHEMA globex CASCADE')
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report.findings).toMatchObject([{ schema: 'globex', check: 'schema-missing', severity: 'error', fixable: false, fixed: false }])
    expect(report.findings[0]?.message).toMatch(/restore it from a backup or drop the tenant/)
    expect(await t.db.rows("SELECT 1 FROM pg_namespace WHERE nspname = 'globex'")).toEqual([])
  })
})

describe('drift against a freshly migrated reference schema', () => {
  it('finds changed columns, defaults, constraints and indexes, names them, and leaves them alone', async () => {
    const t = await withTenants('acme', 'globex')
    await t.db.exec(`
      ALTER TABLE acme.orders ADD COLUMN notes text;
      ALTER TABLE acme.orders ALTER COLUMN status SET DEFAULT 'paid';
      ALTER TABLE acme.orders ALTER COLUMN amount_cents TYPE bigint;
      ALTER TABLE acme.customers DROP CONSTRAINT customers_name_check;
      DROP INDEX acme.orders_status_idx;
      CREATE INDEX customers_email_idx ON acme.customers (email);
      ALTER TABLE acme.users ALTER COLUMN role DROP NOT NULL;`)
    const diagnosis = await diagnose(t.tenancy)
    expect(diagnosis.findings.every((f) => f.schema === 'acme' && f.check === 'drift' && !f.fixable)).toBe(true)
    const messages = diagnosis.findings.map((f) => f.message.replace(/: code and the next migration.*$/, ''))
    expect(messages).toEqual(
      expect.arrayContaining([
        'column orders.notes is not produced by the migrations (found: text null)',
        "column orders.status differs (expected: text not null default 'pending'::text; found: text not null default 'paid'::text)",
        'column orders.amount_cents differs (expected: integer not null; found: bigint not null)',
        expect.stringMatching(/^constraint customers\.customers_name_check is missing \(expected: c CHECK/) as string,
        'index orders.orders_status_idx is missing (expected: CREATE INDEX orders_status_idx ON <schema>.orders USING btree (status))',
        'index customers.customers_email_idx is not produced by the migrations (found: CREATE INDEX customers_email_idx ON <schema>.customers USING btree (email))',
        expect.stringMatching(/^column users\.role differs \(expected: text not null default 'member'::text; found: text null default 'member'::text\)/) as string,
      ]),
    )
    expect(diagnosis.findings.find((f) => f.message.startsWith('column orders.notes'))?.severity).toBe('warning')
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report.healthy).toBe(false)
    expect(report.findings.every((f) => f.fixed === false)).toBe(true)
    expect(report.findings[0]?.message).toMatch(/Not repaired by --fix: changing a tenant’s tables could destroy data/)
    const [column] = await t.db.rows("SELECT 1 AS present FROM information_schema.columns WHERE table_schema = 'acme' AND column_name = 'notes'")
    expect(column).toEqual({ present: 1 })
  })

  it('compares a tenant whose schema name appears in its own definitions (foreign keys, quoted names) correctly', async () => {
    // "between" must be quoted wherever PostgreSQL prints it; the doctor still sees no drift.
    const t = await withTenants('between', 'orders')
    expect((await diagnose(t.tenancy)).findings).toEqual([])
  })
})

describe('on the external PostgreSQL (the system’s 15)', () => {
  const skip = inject('externalSkipReason')
  it('is healthy after provisioning and sees the same breakages', async (ctx) => {
    ctx.skip(skip !== '', skip)
    const t = await withTenantsOn(inject('externalAdminUrl'), 'acme', 'globex')
    expect((await diagnose(t.tenancy)).findings).toEqual([])
    await t.db.exec(`
      GRANT USAGE ON SCHEMA globex TO ${role(t, 'acme')};
      ALTER TABLE globex.orders ALTER COLUMN amount_cents DROP NOT NULL;
      DELETE FROM public.tenant_migrations WHERE schema = 'acme' AND name = '0002_create_users';`)
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report.findings.map((f) => [f.schema, f.check, f.fixed])).toEqual([
      ['acme', 'cross-tenant-access', true],
      ['acme', 'central-ledger-missing', true],
      ['globex', 'drift', false],
    ])
  })
})
