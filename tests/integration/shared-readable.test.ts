import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { runDoctor } from '../../electron/main/doctor/doctor.ts'
import { pgErrorOf } from '../../electron/main/db/pg-error.ts'
import { ProjectConfigError } from '../../electron/main/project/config-error.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'
import type { Project } from '../../electron/main/project/project.ts'
import { sharedReadersRoleName, tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * sharedReadable on real PostgreSQL, with the helpdesk example: tenant code (in
 * a tenant scope, as the tenant role; and a tenant session logged in as it)
 * reads the shared `plans` table and references it, but cannot write it, and
 * reads nothing else in public. Run as a least-privilege admin login (not a
 * superuser) on the embedded server (18) and the system one (15): membership
 * inheritance differs between them.
 */

const servers = [
  { label: 'embedded PostgreSQL', url: () => inject('embeddedAdminUrl'), skip: '' },
  { label: 'external PostgreSQL (DATABASE_URL)', url: () => inject('externalAdminUrl'), skip: inject('externalSkipReason') },
]

/** PostgreSQL's SQLSTATE for what `work` threw, or 'ok'. */
async function sqlState(work: Promise<unknown>): Promise<string> {
  try {
    await work
    return 'ok'
  } catch (error) {
    return pgErrorOf(error)?.code ?? String(error)
  }
}

describe.each(servers)('shared readable tables on $label', ({ url, skip }) => {
  if (skip) {
    it.skip(`no server: ${skip}`, () => undefined)
    return
  }

  let t: TestDatabase
  let helpdesk: Project
  const withList = (sharedReadable: string[]): Tenancy => new Tenancy(t.db, { project: { ...helpdesk, sharedReadable } })
  const plansIn = (schema: string): Promise<string> => sqlState(t.tenancy.withTenant(schema, (scope) => scope.query('SELECT id FROM plans'), { readOnly: true }))

  beforeAll(async () => {
    helpdesk = await loadProject(path.resolve('examples/helpdesk/schemata.config.json'))
    // First without shared readable tables: a tenant made then must be brought in by the next migrate.
    t = await createTestDatabase(url(), { project: { ...helpdesk, sharedReadable: [] }, login: 'admin' })
    await t.tenancy.createTenant({ name: 'Early', schema: 'early' })
  })

  afterAll(() => t?.drop())

  it('before the project lists plans, a tenant cannot read it', async () => {
    expect(await plansIn('early')).toBe('42501')
  })

  it('migrate grants plans to tenants made before, and new tenants of both types get it at once', async () => {
    const sync = await withList(['plans']).grantSharedReadable()
    expect(sync).toMatchObject({ role: sharedReadersRoleName(t.name), granted: ['plans'], revoked: [], joined: 1 })
    t.tenancy = new Tenancy(t.db, { project: helpdesk })
    await t.tenancy.migrate({ shared: true })
    await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
    await t.tenancy.createTenant({ name: 'Globex', schema: 'globex', type: 'enterprise' })
    for (const schema of ['early', 'acme', 'globex']) expect(await plansIn(schema)).toBe('ok')
    const plans = await t.tenancy.withTenant('acme', (scope) => scope.query<{ id: string; who: string }>('SELECT id, current_user AS who FROM plans ORDER BY price_cents'))
    expect(plans.map((p) => p.id)).toEqual(['free', 'team', 'business', 'enterprise'])
    expect(plans[0]?.who).toBe(tenantRoleName(t.name, 'acme'))
  })

  it('a tenant cannot write plans, and reads nothing else in public', async () => {
    const inAcme = (sql: string): Promise<string> => sqlState(t.tenancy.withTenant('acme', (scope) => scope.query(sql)))
    expect(await inAcme("INSERT INTO plans (id, name, price_cents, sla_hours) VALUES ('free_forever', 'x', 0, 1)")).toBe('42501')
    expect(await inAcme("UPDATE plans SET price_cents = 0 WHERE id = 'enterprise'")).toBe('42501')
    expect(await inAcme('DELETE FROM plans')).toBe('42501')
    expect(await inAcme('TRUNCATE plans')).toBe('42501')
    for (const table of ['tenants', 'domains', 'tenant_migrations', 'schemata_migrations']) {
      expect(await inAcme(`SELECT * FROM public.${table}`), table).toBe('42501')
    }
    const [price] = await t.db.rows<{ price_cents: number }>("SELECT price_cents FROM public.plans WHERE id = 'enterprise'")
    expect(price?.price_cents).toBe(99900)
  })

  it('tenant rows reference plans by foreign key from inside the scope', async () => {
    await t.tenancy.withTenant('globex', (scope) => scope.query("UPDATE subscription SET plan_id = 'business'"))
    expect(await sqlState(t.tenancy.withTenant('globex', (scope) => scope.query("UPDATE subscription SET plan_id = 'platinum'")))).toBe('23503')
  })

  it('a tenant session (logged in as the tenant role) reads plans and nothing else in public', async () => {
    const result = await t.tenancy.tenantSessions.run('acme', 'SELECT count(*)::int AS n FROM plans')
    expect(result.rows).toEqual([['4']])
    expect(await sqlState(t.tenancy.tenantSessions.run('acme', 'SELECT * FROM public.tenants'))).toBe('42501')
    expect(await sqlState(t.tenancy.tenantSessions.run('acme', "DELETE FROM plans WHERE id = 'free'", { readOnly: false }))).toBe('42501')
  })

  it('doctor is clean with tenant roles in the readers role', async () => {
    const report = await runDoctor(t.tenancy)
    expect(report.findings).toEqual([])
  })

  it('a listed table that does not exist, or a registry table, is refused naming the key, and nothing changes', async () => {
    const missing = await withList(['plans', 'prices']).grantSharedReadable().catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ProjectConfigError)
    expect((missing as ProjectConfigError).key).toBe('sharedReadable[1]')
    expect((missing as Error).message).toMatch(/table "prices" does not exist in public/)
    const registry = await withList(['tenants']).migrate({ shared: true }).catch((e: unknown) => e)
    expect((registry as ProjectConfigError).key).toBe('sharedReadable[0]')
    expect((registry as Error).message).toMatch(/registry tables/)
    expect(await plansIn('acme')).toBe('ok')
    expect(await sqlState(t.tenancy.withTenant('acme', (scope) => scope.query('SELECT * FROM public.tenants')))).toBe('42501')
  })

  it('a table taken off the list is taken back from every tenant', async () => {
    const sync = await withList([]).grantSharedReadable()
    expect(sync.revoked).toEqual(['plans'])
    expect(await plansIn('acme')).toBe('42501')
    await t.tenancy.migrate({ shared: true })
    expect(await plansIn('acme')).toBe('ok')
  })
})
