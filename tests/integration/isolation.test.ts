import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { pgErrorOf } from '../../electron/main/db/pg-error.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const TENANTS = 20
const OPERATIONS = 500

/*
 * The same isolation proof against both servers: the embedded PostgreSQL and an
 * external one reached by URL (the system's PostgreSQL 15), and the embedded one
 * behind PgBouncer in transaction-pooling mode.
 */
const servers = [
  { label: 'embedded PostgreSQL', url: () => inject('embeddedAdminUrl'), skip: '' },
  { label: 'external PostgreSQL (DATABASE_URL)', url: () => inject('externalAdminUrl'), skip: inject('externalSkipReason') },
  { label: 'PgBouncer in transaction-pooling mode', url: () => inject('pgbouncerAdminUrl'), skip: inject('pgbouncerSkipReason') },
]

describe.each(servers)('isolation on $label', ({ url, skip }) => {
  let t: TestDatabase
  const schemas = Array.from({ length: TENANTS }, (_, i) => `iso_${String(i).padStart(2, '0')}`)

  beforeAll(async () => {
    if (skip) return
    t = await createTestDatabase(url(), { poolMax: 4 })
    for (const schema of schemas) {
      await t.tenancy.createTenant({ name: `Tenant ${schema}`, schema })
      const { Customer } = t.tenancy.models
      await t.tenancy.withTenant(schema, async () => {
        // Each tenant's rows carry its own name, so a leak is recognisable.
        for (let i = 0; i < 3; i++) await Customer.create({ name: `${schema}-customer-${i}`, email: `c${i}@${schema}.example` })
      })
    }
  })
  afterAll(() => t?.drop())

  it(`${OPERATIONS} interleaved concurrent scoped operations on a pool of 4 never see another tenant's rows`, async (ctx) => {
    ctx.skip(skip !== '', skip)
    const { tenancy } = t
    const { Customer } = tenancy.models
    const seenForeign: string[] = []
    const ops = Array.from({ length: OPERATIONS }, (_, i) => {
      const schema = schemas[(i * 7) % TENANTS] as string
      return tenancy.withTenant(schema, async (scope) => {
        if (i % 5 === 0) {
          await Customer.create({ name: `${schema}-extra-${i}`, email: `x${i}@${schema}.example` })
        }
        // Yield between statements so other scopes interleave on the pool.
        await new Promise((resolve) => setImmediate(resolve))
        const rows = i % 2 === 0 ? (await Customer.findAll()).map((c) => c.name) : (await scope.query<{ name: string }>('SELECT name FROM customers')).map((r) => r.name)
        const [where] = await scope.query<{ schema: string; user: string }>('SELECT current_schema() AS schema, current_user AS user')
        if (where?.schema !== schema || where.user !== (await scope.role)) seenForeign.push(`${schema} ran in ${where?.schema} as ${where?.user}`)
        for (const name of rows) if (!name.startsWith(`${schema}-`)) seenForeign.push(`${schema} saw ${name}`)
        return rows.length
      })
    })
    const counts = await Promise.all(ops)
    expect(seenForeign).toEqual([])
    expect(counts.every((n) => n >= 3)).toBe(true)
    // Every write landed in its own tenant.
    for (const schema of schemas) {
      const names = await tenancy.withTenant(schema, async () => (await Customer.findAll()).map((c) => c.name))
      expect(names.every((n) => n.startsWith(`${schema}-`))).toBe(true)
    }
  })

  it("a raw query for another tenant's table fails with PostgreSQL's permission error", async (ctx) => {
    ctx.skip(skip !== '', skip)
    const error = await t.tenancy
      .withTenant('iso_00', (scope) => scope.query('SELECT * FROM iso_01.customers'))
      .catch((e: unknown) => e)
    const pg = pgErrorOf(error)
    expect(pg?.code).toBe('42501')
    expect(pg?.message).toMatch(/permission denied for schema iso_01/)
    // Not even the registry is readable from inside a scope.
    const registry = await t.tenancy.withTenant('iso_00', (scope) => scope.query('SELECT * FROM public.tenants')).catch((e: unknown) => e)
    expect(pgErrorOf(registry)?.code).toBe('42501')
  })

  it('after a scope ends, pooled connections are back to the default search_path and user', async (ctx) => {
    ctx.skip(skip !== '', skip)
    const { db, tenancy } = t
    const [defaults] = await db.rows<{ user: string }>('SELECT current_user AS user')
    await Promise.all(schemas.slice(0, 8).map((schema) => tenancy.withTenant(schema, (scope) => scope.query('SELECT pg_sleep(0.02)'))))
    // Hold several connections at once so every pooled connection is inspected.
    const seen = await Promise.all(
      Array.from({ length: 8 }, () =>
        db.rows<{ pid: number; user: string; path: string; role: string }>(
          "SELECT pg_backend_pid() AS pid, current_user AS user, current_setting('search_path') AS path, current_setting('role') AS role, pg_sleep(0.05)",
        ),
      ),
    )
    const rows = seen.flat()
    expect(new Set(rows.map((r) => r.pid)).size).toBe(4)
    for (const row of rows) {
      expect(row.user).toBe(defaults?.user)
      expect(row.path).toBe('"$user", public')
      expect(row.role).toBe('none')
    }
  })
})
