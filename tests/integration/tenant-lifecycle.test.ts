import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { Database } from '../../electron/main/db/database.ts'
import { InvalidInputError, MigrationFailedError, TenantNotFoundError, TenantSuspendedError } from '../../electron/main/errors.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
})
afterAll(() => t?.drop())

/** Everything that would show a half-created tenant: schemas, roles, registry and ledger rows. */
async function footprint(db: Database) {
  const [row] = await db.rows<{ schemas: string[]; roles: string[]; tenants: string; domains: string; ledger: string }>(
    `SELECT ARRAY(SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1) AS schemas,
            ARRAY(SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1) AS roles,
            (SELECT count(*) FROM public.tenants) AS tenants,
            (SELECT count(*) FROM public.domains) AS domains,
            (SELECT count(*) FROM public.tenant_migrations) AS ledger`,
    [tenantRoleName(db.databaseName, '')],
  )
  return row
}

describe('tenant lifecycle', () => {
  it('creates, lists, scopes reads and writes, and drops a tenant', async () => {
    const { tenancy, db } = t
    const created = await tenancy.createTenant({ name: 'Acme Corp', schema: 'acme', domains: ['acme.example', 'www.acme.example'] })
    expect(created).toMatchObject({ name: 'Acme Corp', schema: 'acme', status: 'active', domains: ['acme.example', 'www.acme.example'] })

    const listed = await tenancy.listTenants()
    const acme = listed.find((x) => x.schema === 'acme')
    expect(acme).toMatchObject({ name: 'Acme Corp', appliedMigrations: tenantMigrations.length, pendingMigrations: [] })
    expect(acme?.domains).toEqual(['acme.example', 'www.acme.example'])
    expect(acme?.sizeBytes).toBeGreaterThan(0)

    const { Customer } = tenancy.models
    await tenancy.withTenant('acme', async () => {
      await Customer.create({ name: 'Wile E.', email: 'wile@acme.example' })
    })
    const names = await tenancy.withTenant('acme', async () => (await Customer.findAll()).map((c) => c.name))
    expect(names).toEqual(['Wile E.'])
    // The row lives in the tenant's schema, not in public.
    const [where] = await db.rows<{ n: string }>('SELECT count(*) AS n FROM acme.customers')
    expect(Number(where?.n)).toBe(1)
    expect(await db.rows("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'customers'")).toEqual([])

    await tenancy.dropTenant('acme')
    expect((await tenancy.listTenants()).some((x) => x.schema === 'acme')).toBe(false)
    const after = await footprint(db)
    expect(after?.schemas).not.toContain('acme')
    expect(after?.roles).toEqual([])
  })

  it('gives a tenant a default domain under the base domain', async () => {
    const tenant = await t.tenancy.createTenant({ name: 'Big Co', schema: 'big_co' })
    expect(tenant.domains).toEqual(['big-co.localhost'])
    await t.tenancy.dropTenant('big_co')
  })

  it('refuses a duplicate schema or domain with an invalid-input error and changes nothing', async () => {
    const { tenancy, db } = t
    await tenancy.createTenant({ name: 'Globex', schema: 'globex', domains: ['globex.example'] })
    const before = await footprint(db)

    await expect(tenancy.createTenant({ name: 'Globex 2', schema: 'globex', domains: ['other.example'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'schema',
    })
    await expect(tenancy.createTenant({ name: 'Other', schema: 'other', domains: ['globex.example'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'domains',
      message: expect.stringContaining('globex.example') as unknown,
    })
    expect(await footprint(db)).toEqual(before)
    await tenancy.dropTenant('globex')
  })

  it('refuses an orphan schema of the same name without touching it', async () => {
    const { tenancy, db } = t
    await db.exec('CREATE SCHEMA loose; CREATE TABLE loose.keep (x int); INSERT INTO loose.keep VALUES (1)')
    await expect(tenancy.createTenant({ name: 'Loose', schema: 'loose' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'schema' })
    const [row] = await db.rows<{ n: string }>('SELECT count(*) AS n FROM loose.keep')
    expect(Number(row?.n)).toBe(1)
    expect((await tenancy.listTenants()).some((x) => x.schema === 'loose')).toBe(false)
    await db.exec('DROP SCHEMA loose CASCADE')
  })

  it('rejects hostile names before any SQL runs', async () => {
    // A closed pool: if any SQL were attempted, the error would be a connection error instead.
    const closed = new Database({ url: t.url, mode: 'external' })
    await closed.close()
    const tenancy = new Tenancy(closed, { project: t.tenancy.project })
    const hostile = ['a"b', "x'; DROP TABLE public.tenants; --", 'a;b', 'has space', 'Upper', 'a'.repeat(64), 'pg_x', 'public', 'information_schema', 'select', 'naïve', '']
    for (const schema of hostile) {
      await expect(tenancy.createTenant({ name: 'X', schema })).rejects.toBeInstanceOf(InvalidInputError)
      await expect(tenancy.dropTenant(schema)).rejects.toBeInstanceOf(InvalidInputError)
      await expect(tenancy.withTenant(schema, () => Promise.resolve())).rejects.toBeInstanceOf(InvalidInputError)
    }
    await expect(tenancy.createTenant({ name: '', schema: 'fine' })).rejects.toMatchObject({ field: 'name' })
    await expect(tenancy.createTenant({ name: 'ok', schema: 'fine', domains: ['Bad Host'] })).rejects.toMatchObject({ field: 'domains' })
  })

  it('refuses to drop public and unknown schemas', async () => {
    await expect(t.tenancy.dropTenant('public')).rejects.toBeInstanceOf(InvalidInputError)
    await expect(t.tenancy.dropTenant('nobody_here')).rejects.toBeInstanceOf(TenantNotFoundError)
  })

  it('fails closed: unknown and suspended tenants get no scope', async () => {
    const { tenancy } = t
    await expect(tenancy.withTenant('ghost', () => Promise.resolve(1))).rejects.toBeInstanceOf(TenantNotFoundError)
    await tenancy.createTenant({ name: 'Sleepy', schema: 'sleepy' })
    await tenancy.setStatus('sleepy', 'suspended')
    await expect(tenancy.withTenant('sleepy', () => Promise.resolve(1))).rejects.toBeInstanceOf(TenantSuspendedError)
    await tenancy.setStatus('sleepy', 'active')
    await expect(tenancy.withTenant('sleepy', () => Promise.resolve(1))).resolves.toBe(1)
    // A model used outside any scope is refused rather than reaching public.
    await expect(tenancy.models.Customer.findAll()).rejects.toThrow(/withTenant/)
    await tenancy.dropTenant('sleepy')
  })

  it('replaces domains atomically', async () => {
    const { tenancy } = t
    await tenancy.createTenant({ name: 'Dom', schema: 'dom', domains: ['dom.example'] })
    await tenancy.createTenant({ name: 'Other', schema: 'dom_other', domains: ['taken.example'] })
    await tenancy.setDomains('dom', ['new.example', 'dom.example'])
    expect((await tenancy.getTenant('dom')).domains).toEqual(['new.example', 'dom.example'])
    await expect(tenancy.setDomains('dom', ['x.example', 'taken.example'])).rejects.toMatchObject({ field: 'domains' })
    expect((await tenancy.getTenant('dom')).domains).toEqual(['new.example', 'dom.example'])
    await tenancy.dropTenant('dom')
    await tenancy.dropTenant('dom_other')
  })
})

describe('atomic creation', () => {
  it('leaves no schema, role or registry row when a tenant migration throws halfway', async () => {
    const halfway: MigrationDefinition = {
      name: '0003_breaks_halfway',
      async up({ query }) {
        await query('CREATE TABLE half_done (id int)')
        throw new Error('boom in the middle')
      },
    }
    const failing = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, halfway] } })
    const before = await footprint(t.db)
    const error: unknown = await failing.createTenant({ name: 'Doomed', schema: 'doomed' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationFailedError)
    expect((error as MigrationFailedError).migration).toBe('0003_breaks_halfway')
    expect((error as Error).message).toContain('boom in the middle')
    expect(await footprint(t.db)).toEqual(before)
    expect(await t.db.rows("SELECT 1 FROM pg_roles WHERE rolname = $1", [tenantRoleName(t.db.databaseName, 'doomed')])).toEqual([])
  })
})
