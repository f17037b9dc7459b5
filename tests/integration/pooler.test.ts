import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { MigratorBusyError } from '../../electron/main/errors.ts'
import { MIGRATOR_LOCK_CLASS } from '../../electron/main/db/lock-keys.ts'
import { withMigratorLock } from '../../electron/main/migrations/migrator-lock.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { countingMigration, tenantMigrations } from '../fixtures/demo-project.ts'
import { waitForAdvisoryLock } from '../fixtures/pg-locks.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const skip = inject('pgbouncerSkipReason')

/*
 * Behind PgBouncer in transaction mode every transaction may run on another
 * server connection: session state is gone between transactions. Migrations,
 * the migrator lock and routing must not depend on it.
 */
describe('behind PgBouncer (transaction pooling)', () => {
  let t: TestDatabase

  beforeAll(async () => {
    if (skip) return
    t = await createTestDatabase(inject('pgbouncerAdminUrl'), { poolMax: 4, directAdminUrl: inject('embeddedAdminUrl') })
    for (let i = 0; i < 8; i++) await t.tenancy.createTenant({ name: `Pooled ${i}`, schema: `pooled_${i}` })
  })
  afterAll(() => t?.drop())

  it('migrates the fleet concurrently, and two migrators never double-apply', async (ctx) => {
    ctx.skip(skip !== '', skip)
    const { migration: extra, applications } = countingMigration('0003_pooled_column', 'ALTER TABLE customers ADD COLUMN pooled boolean')
    const a = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, extra] } })
    const b = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, extra] } })
    const [ra, rb] = await Promise.all([a.migrate({ tenant: true, concurrency: 3 }), b.migrate({ tenant: true, concurrency: 3 })])
    expect(ra.counts.failed + rb.counts.failed).toBe(0)
    expect(applications()).toBe(8)
    expect(await a.tenantsBehind()).toEqual([])
  })

  it('the migrator lock holds across pooled transactions', async (ctx) => {
    ctx.skip(skip !== '', skip)
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    const holder = withMigratorLock(t.db, { wait: false }, () => held)
    try {
      await waitForAdvisoryLock(t.db, { key1: MIGRATOR_LOCK_CLASS, key2: 0 }, { granted: true })
      // Several attempts, so they land on different server connections.
      for (let i = 0; i < 5; i++) {
        await expect(t.tenancy.migrate({ tenant: true, wait: false })).rejects.toBeInstanceOf(MigratorBusyError)
      }
    } finally {
      release()
      await holder
    }
    await expect(t.tenancy.migrate({ tenant: true, wait: false })).resolves.toMatchObject({ counts: { failed: 0 } })
  })

  it('routing sees registry changes made by another process (notifications over the direct URL)', async (ctx) => {
    ctx.skip(skip !== '', skip)
    await t.tenancy.resolver.listen()
    expect(await t.tenancy.resolve({ host: 'pooled-0.example' })).toMatchObject({ ok: false })
    // Another "process": its own Tenancy and pool, changing the domains.
    const other = new Tenancy(t.db, { project: t.tenancy.project })
    await other.setDomains('pooled_0', ['pooled-0.example'])
    let seen = await t.tenancy.resolve({ host: 'pooled-0.example' })
    for (let i = 0; i < 50 && !seen.ok; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      seen = await t.tenancy.resolve({ host: 'pooled-0.example' })
    }
    expect(seen).toMatchObject({ ok: true, schema: 'pooled_0', via: 'domain' })
  })
})
