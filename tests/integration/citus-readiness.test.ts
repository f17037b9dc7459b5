import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { runDoctor } from '../../electron/main/doctor/doctor.ts'
import { qualified } from '../../electron/main/db/sql.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * `doctor --citus` reads the catalog of plain PostgreSQL, so its rules are
 * tested here on the embedded server, where each one is broken on purpose.
 * Against a real Citus coordinator (CITUS_URL) the last test goes further: it
 * distributes every tenant schema with citus_schema_distribute and uses the
 * tenants afterwards. Without CITUS_URL that test is not registered (one line
 * says so), rather than skipped: a Citus cluster is not something CI can start.
 */

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  await t.tenancy.createTenant({ name: 'Ready', schema: 'ready' })
  await t.tenancy.createTenant({ name: 'Other', schema: 'other' })
})
afterAll(() => t?.drop())

async function citusChecks(): Promise<{ check: string; message: string }[]> {
  const report = await runDoctor(t.tenancy, { citus: true })
  return report.findings.filter((f) => f.check.startsWith('citus-')).map((f) => ({ check: f.check, message: f.message }))
}

describe('doctor --citus readiness rules', () => {
  it('finds the demo tenant tables ready: primary keys everywhere, foreign keys inside the schema', async () => {
    expect(await citusChecks()).toEqual([])
    expect((await runDoctor(t.tenancy, { citus: true })).citusReferenceTables).toEqual([])
  })

  it('names a table without a primary key, a key into another tenant, one from outside, and what Citus cannot distribute', async () => {
    await t.db.exec(`
      CREATE TABLE ${qualified('ready', 'notes')} (body text);
      CREATE TABLE ${qualified('ready', 'links')} (id int PRIMARY KEY, other_customer bigint REFERENCES ${qualified('other', 'customers')} (id));
      CREATE TABLE public.audit (id int PRIMARY KEY, customer bigint REFERENCES ${qualified('ready', 'customers')} (id));
      CREATE MATERIALIZED VIEW ${qualified('ready', 'totals')} AS SELECT count(*) FROM ${qualified('ready', 'orders')};
      CREATE TABLE public.plans (id int PRIMARY KEY);
      ALTER TABLE ${qualified('ready', 'customers')} ADD COLUMN plan_id int REFERENCES public.plans (id);`)
    const checks = await citusChecks()
    expect(checks).toEqual(
      expect.arrayContaining([
        { check: 'citus-primary-key', message: expect.stringContaining('table ready.notes has no primary key') as string },
        { check: 'citus-foreign-key', message: expect.stringContaining('ready.links references other.customers') as string },
        { check: 'citus-foreign-key', message: expect.stringContaining('public.audit references ready.customers') as string },
        { check: 'citus-unsupported', message: expect.stringContaining('ready.totals is a materialized view') as string },
      ]),
    )
    expect(checks).toHaveLength(4)
    // A key to a shared public table is allowed: that table becomes a Citus reference table.
    expect((await runDoctor(t.tenancy, { citus: true })).citusReferenceTables).toEqual(['plans'])
    await t.db.exec(`
      DROP TABLE ${qualified('ready', 'notes')}, ${qualified('ready', 'links')}, public.audit;
      DROP MATERIALIZED VIEW ${qualified('ready', 'totals')};
      ALTER TABLE ${qualified('ready', 'customers')} DROP COLUMN plan_id; DROP TABLE public.plans;`)
    expect(await citusChecks()).toEqual([])
  })
})

const citusUrl = process.env.CITUS_URL?.trim()
if (!citusUrl) {
  console.log('[citus] CITUS_URL is not set: citus_schema_distribute is not tried here (the readiness rules above ran on plain PostgreSQL)')
} else {
  describe('on a Citus coordinator (CITUS_URL)', () => {
    let c: TestDatabase
    beforeAll(async () => {
      c = await createTestDatabase(citusUrl)
      await c.db.exec('CREATE EXTENSION IF NOT EXISTS citus')
    })
    afterAll(() => c?.drop())

    it('distributes every ready tenant schema, and the tenants work afterwards', async () => {
      await c.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
      await c.tenancy.createTenant({ name: 'Globex', schema: 'globex' })
      expect((await runDoctor(c.tenancy, { citus: true })).findings.filter((f) => f.check.startsWith('citus-'))).toEqual([])
      const client = new pg.Client({ connectionString: c.url })
      await client.connect()
      try {
        for (const schema of ['acme', 'globex']) await client.query('SELECT citus_schema_distribute($1)', [schema])
        const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_dist_schema WHERE schemaid::regnamespace::text IN ('acme', 'globex')")
        expect(Number(rows[0]?.n)).toBe(2)
      } finally {
        await client.end()
      }
      await c.tenancy.withTenant('acme', (s) => s.query("INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com')"))
      expect(await c.tenancy.withTenant('acme', (s) => s.query<{ n: string }>('SELECT count(*) AS n FROM customers'))).toEqual([{ n: '1' }])
    })
  })
}
