import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { MigratorBusyError } from '../../electron/main/errors.ts'
import type { MigrationEvent } from '../../electron/main/migrations/events.ts'
import { MIGRATOR_LOCK_CLASS } from '../../electron/main/db/lock-keys.ts'
import { withMigratorLock } from '../../electron/main/migrations/migrator-lock.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { countingMigration, tenantMigrations } from '../fixtures/demo-project.ts'
import { waitForAdvisoryLock } from '../fixtures/pg-locks.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const MIGRATOR_LOCK = { key1: MIGRATOR_LOCK_CLASS, key2: 0 }

const addLoyalty: MigrationDefinition = {
  name: '0003_add_loyalty_points',
  async up({ query }) {
    await query('ALTER TABLE customers ADD COLUMN loyalty_points integer; CREATE INDEX customers_loyalty_idx ON customers (loyalty_points)')
  },
}

/** Fails in the schemas named in `failIn`, after doing part of its work. */
function flaky(failIn: Set<string>): MigrationDefinition {
  return {
    name: addLoyalty.name,
    async up(context) {
      await context.query('ALTER TABLE customers ADD COLUMN loyalty_points integer')
      if (failIn.has(context.schema)) throw new Error(`disk on fire in ${context.schema}`)
      await context.query('CREATE INDEX customers_loyalty_idx ON customers (loyalty_points)')
    },
  }
}

async function ledgers(t: TestDatabase, schema: string) {
  const own = await t.db.rows<{ name: string }>(`SELECT name FROM ${schema}.schemata_migrations ORDER BY name`)
  const central = await t.db.rows<{ name: string }>('SELECT name FROM public.tenant_migrations WHERE schema = $1 ORDER BY name', [schema])
  const [column] = await t.db.rows<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'customers' AND column_name = 'loyalty_points') AS present",
    [schema],
  )
  return { own: own.map((r) => r.name), central: central.map((r) => r.name), column: column?.present ?? false }
}

describe('migrations', () => {
  let t: TestDatabase
  const schemas = Array.from({ length: 12 }, (_, i) => `mig_${i}`)

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'), { poolMax: 6 })
    for (const schema of schemas) await t.tenancy.createTenant({ name: schema, schema })
  })
  afterAll(() => t?.drop())

  it('puts each schema’s ledger inside that schema, separate from public’s', async () => {
    const own = await t.db.rows<{ schemaname: string }>(
      "SELECT schemaname FROM pg_tables WHERE tablename = 'schemata_migrations' ORDER BY schemaname",
    )
    expect(own.map((r) => r.schemaname)).toEqual(['public', ...schemas].sort())
    expect((await ledgers(t, 'mig_0')).own).toEqual(tenantMigrations.map((m) => m.name))
  })

  it('a run with nothing pending changes nothing', async () => {
    const report = await t.tenancy.migrate()
    expect(report.shared?.status).toBe('up-to-date')
    expect(report.counts).toMatchObject({ total: schemas.length, upToDate: schemas.length, failed: 0, applied: 0 })
  })

  it('a failing tenant does not stop or corrupt the others, is reported, and a rerun finishes it', async () => {
    const failIn = new Set(['mig_3', 'mig_7'])
    const broken = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, flaky(failIn)] } })
    const events: MigrationEvent[] = []
    const report = await broken.migrate({ tenant: true, concurrency: 3, onEvent: (e) => events.push(e) })
    expect(report.counts).toMatchObject({ total: schemas.length, migrated: schemas.length - 2, failed: 2 })
    const failures = report.tenants.filter((o) => o.status === 'failed')
    expect(failures.map((f) => f.schema).sort()).toEqual(['mig_3', 'mig_7'])
    for (const failure of failures) {
      expect(failure.failedMigration).toBe('0003_add_loyalty_points')
      expect(failure.message).toContain(`disk on fire in ${failure.schema}`)
      // The failed schema is exactly as before: no column, no ledger row in either ledger.
      expect(await ledgers(t, failure.schema)).toEqual({ own: tenantMigrations.map((m) => m.name), central: tenantMigrations.map((m) => m.name), column: false })
    }
    expect(await ledgers(t, 'mig_4')).toMatchObject({ column: true })
    expect(events.filter((e) => e.type === 'schema-failed')).toHaveLength(2)
    expect(events.filter((e) => e.type === 'migration-applied')).toHaveLength(schemas.length - 2)
    expect(events.at(-1)?.type).toBe('run-done')

    // Who is behind: exactly the two that failed.
    expect((await broken.tenantsBehind()).map((b) => b.schema)).toEqual(['mig_3', 'mig_7'])

    failIn.clear()
    const rerun = await broken.migrate({ tenant: true })
    expect(rerun.counts).toMatchObject({ migrated: 2, upToDate: schemas.length - 2, failed: 0, applied: 2 })
    for (const schema of schemas) {
      const state = await ledgers(t, schema)
      expect(state.column).toBe(true)
      expect(state.own).toEqual(state.central)
      expect(state.own).toContain('0003_add_loyalty_points')
    }
    expect(await broken.tenantsBehind()).toEqual([])
  })

  it('a new tenant migration reaches every tenant, and new tenants get it at creation', async () => {
    const upgraded = new Tenancy(t.db, {
      migrations: {
        tenant: [
          ...tenantMigrations,
          addLoyalty,
          { name: '0004_add_notes', up: ({ query }) => query('ALTER TABLE orders ADD COLUMN notes text').then(() => undefined) },
        ],
      },
    })
    expect((await upgraded.tenantsBehind()).length).toBe(schemas.length)
    const report = await upgraded.migrate({ schema: 'mig_0' })
    expect(report.counts).toMatchObject({ total: 1, migrated: 1 })
    const all = await upgraded.migrate({ tenant: true })
    expect(all.counts).toMatchObject({ total: schemas.length, migrated: schemas.length - 1, upToDate: 1 })
    const fresh = await upgraded.createTenant({ name: 'Fresh', schema: 'mig_fresh' })
    expect(fresh.schema).toBe('mig_fresh')
    expect((await upgraded.listTenants()).every((x) => x.pendingMigrations.length === 0)).toBe(true)
    // The tenant role can use the new column: default privileges cover tables made by later migrations.
    await upgraded.withTenant('mig_fresh', (scope) => scope.query('SELECT notes FROM orders'))
    await upgraded.dropTenant('mig_fresh')
  })

  it('two concurrent migrators never apply a migration twice', async () => {
    const { migration: counted, applications: applied } = countingMigration('0005_counted', 'CREATE TABLE counted (id int); SELECT pg_sleep(0.01)')
    const sets = { tenant: [...tenantMigrations, addLoyalty, counted] }
    const a = new Tenancy(t.db, { migrations: sets })
    const b = new Tenancy(t.db, { migrations: sets })
    const [ra, rb] = await Promise.all([a.migrate({ tenant: true, concurrency: 2 }), b.migrate({ tenant: true, concurrency: 2 })])
    // The second waited for the first, then found everything applied.
    expect(ra.counts.failed + rb.counts.failed).toBe(0)
    expect(ra.counts.applied + rb.counts.applied).toBe(applied())
    const [rows] = await t.db.rows<{ n: string }>("SELECT count(*) AS n FROM public.tenant_migrations WHERE name = '0005_counted'")
    expect(Number(rows?.n)).toBe(applied())
    expect(applied()).toBe(schemas.length)
  })

  it('a second migrator says who holds the lock and, with wait off, exits', async () => {
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    const holder = withMigratorLock(t.db, { wait: false }, () => held)
    let waiting: Promise<unknown> | undefined
    try {
      const [holderPid] = await waitForAdvisoryLock(t.db, MIGRATOR_LOCK, { granted: true })
      const error = await t.tenancy.migrate({ tenant: true, wait: false }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MigratorBusyError)
      expect((error as Error).message).toContain(`another migrator is running (backend pid ${holderPid}`)
      const waits: MigrationEvent[] = []
      waiting = t.tenancy.migrate({ tenant: true, onEvent: (e) => waits.push(e) })
      // The second migrator is queued behind the holder in PostgreSQL itself, and said so first.
      await waitForAdvisoryLock(t.db, MIGRATOR_LOCK, { granted: false })
      expect(waits.map((e) => e.type)).toEqual(['waiting'])
    } finally {
      release()
      await holder
    }
    await expect(waiting).resolves.toMatchObject({ counts: { failed: 0 } })
  })

  it('reports a failing shared migration and leaves tenants alone', async () => {
    const bad = new Tenancy(t.db, {
      migrations: { shared: [...t.tenancy.migrations.shared, { name: '0099_bad', up: () => Promise.reject(new Error('shared broke')) }] },
    })
    const report = await bad.migrate()
    expect(report.shared).toMatchObject({ status: 'failed', failedMigration: '0099_bad', message: 'shared broke' })
    expect(report.tenants).toEqual([])
    await expect(bad.migrate({ tenant: true })).rejects.toThrow(/shared migrations are pending \(0099_bad\)/)
  })
})
