import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { diagnose } from '../../electron/main/doctor/doctor.ts'
import { runCli } from '../../electron/main/cli/main.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { demoProject, tenantMigrations } from '../fixtures/demo-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

let t: TestDatabase
let pooled: Tenancy

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  pooled = new Tenancy(t.db, { project: demoProject, pool: { size: 3 } })
})
afterAll(async () => {
  await pooled?.stopPoolKeeper()
  await t?.drop()
})

async function pooledSchemas(): Promise<{ schema: string; oid: string }[]> {
  return t.db.rows(
    `SELECT t.schema, n.oid::text AS oid FROM public.tenants t JOIN pg_namespace n ON n.nspname = t.schema WHERE t.status = 'pooled' ORDER BY t.id`,
  )
}

describe('the warm pool', () => {
  it('fills to its size with migrated schemas that lists, routing and scopes do not see, and the doctor checks', async () => {
    expect(await pooled.fillPool()).toBe(3)
    expect(await pooled.fillPool()).toBe(0)
    const pool = await pooledSchemas()
    expect(pool).toHaveLength(3)
    expect(await pooled.poolStatus()).toEqual({ size: 3, ready: 3, behind: 0 })
    expect(await pooled.listTenants()).toEqual([])
    const schema = pool[0]?.schema as string
    expect(await pooled.resolve({ header: schema })).toMatchObject({ ok: false, reason: 'unknown' })
    await expect(pooled.withTenant(schema, (s) => s.query('SELECT 1'))).rejects.toThrow(`no tenant with schema "${schema}"`)
    await expect(pooled.getTenant(schema)).rejects.toThrow(`no tenant with schema "${schema}"`)
    expect((await diagnose(pooled)).findings).toEqual([])
    // The doctor sees a pooled schema like any tenant: a broken grant is found.
    await t.db.exec(`GRANT CREATE ON SCHEMA "${schema}" TO PUBLIC`)
    expect((await diagnose(pooled)).findings.map((f) => f.schema)).toContain(schema)
    await t.db.exec(`REVOKE CREATE ON SCHEMA "${schema}" FROM PUBLIC`)
  })

  it('createTenant claims a pooled schema by renaming it into place, then the keeper refills', async () => {
    const before = await pooledSchemas()
    pooled.startPoolKeeper()
    await pooled.poolIdle()
    const tenant = await pooled.createTenant({ name: 'Instant', schema: 'instant', domains: ['instant.example.com'] })
    expect(tenant).toMatchObject({ schema: 'instant', status: 'active', domains: ['instant.example.com'] })
    const [row] = await t.db.rows<{ oid: string; central: string; role: string }>(
      `SELECT n.oid::text AS oid, (SELECT count(*) FROM public.tenant_migrations WHERE schema = 'instant') AS central, t.role
         FROM public.tenants t JOIN pg_namespace n ON n.nspname = t.schema WHERE t.schema = 'instant'`,
    )
    // The very schema that was first in the pool, with its ledger and a role named for it.
    expect(row?.oid).toBe(before[0]?.oid)
    expect(Number(row?.central)).toBe(tenantMigrations.length)
    expect(row?.role).toBe(tenant.role)
    await pooled.withTenant('instant', (s) => s.query("INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com')"))
    expect(await pooled.resolve({ host: 'instant.example.com' })).toMatchObject({ ok: true, schema: 'instant' })
    await pooled.poolIdle()
    expect(await pooled.poolStatus()).toEqual({ size: 3, ready: 3, behind: 0 })
    expect((await diagnose(pooled)).findings).toEqual([])
  })

  it('two claims at once take different pooled schemas; a taken name is refused and the pool keeps its schema', async () => {
    await pooled.stopPoolKeeper()
    const [a, b] = await Promise.all([pooled.createTenant({ name: 'A', schema: 'claim_a' }), pooled.createTenant({ name: 'B', schema: 'claim_b' })])
    expect([a.schema, b.schema]).toEqual(['claim_a', 'claim_b'])
    const left = (await pooled.poolStatus()).ready
    await expect(pooled.createTenant({ name: 'Again', schema: 'claim_a' })).rejects.toThrow('schema: a tenant with schema "claim_a" already exists')
    expect((await pooled.poolStatus()).ready).toBe(left)
    expect((await diagnose(pooled)).findings).toEqual([])
  })

  it('falls back to a normal create when the pool is empty, and pooled schemas are migrated like any tenant', async () => {
    await runCli(['pool', 'drain'], { out: () => undefined, err: () => undefined }, { DATABASE_URL: t.url })
    expect((await pooled.poolStatus()).ready).toBe(0)
    expect((await pooled.createTenant({ name: 'Plain', schema: 'plain' })).schema).toBe('plain')
    await pooled.fillPool()
    const extra: MigrationDefinition = { name: '0090_pool_extra', up: ({ exec }) => exec('CREATE TABLE pool_extra (id int PRIMARY KEY)') }
    const newer = new Tenancy(t.db, { project: demoProject, pool: { size: 3 }, migrations: { tenant: [...tenantMigrations, extra] } })
    expect(await newer.poolStatus()).toEqual({ size: 3, ready: 0, behind: 3 })
    // Behind schemas are never claimed.
    const fresh = await newer.createTenant({ name: 'Fresh', schema: 'fresh' })
    expect((await newer.poolStatus()).behind).toBe(3)
    expect(fresh.schema).toBe('fresh')
    const report = await newer.migrate({ tenant: true })
    expect(report.counts.failed).toBe(0)
    expect(await newer.poolStatus()).toEqual({ size: 3, ready: 3, behind: 0 })
  })
})
