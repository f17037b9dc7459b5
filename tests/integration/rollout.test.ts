import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest'
import type { RolloutOptions, RunDetail } from '../../contract/rollout-types.ts'
import { InvalidInputError } from '../../electron/main/errors.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { planRollout } from '../../electron/main/rollout/plan-rollout.ts'
import { type RolloutEvent, type StartRollout, runRollout } from '../../electron/main/rollout/run-rollout.ts'
import { getRun, listRuns, requestHalt } from '../../electron/main/rollout/run-store.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const LOYALTY = '0004_add_loyalty_points'

/**
 * The migration under test: adds a column, then (in a tenant of `failIn`)
 * fails in PostgreSQL with division by zero (22012), then adds an index. A
 * tenant is either fully migrated (column, index, both ledger rows) or
 * untouched (none of them).
 */
function loyalty(failIn: Set<string>): MigrationDefinition {
  return {
    name: LOYALTY,
    async up({ exec, schema }) {
      await exec('ALTER TABLE customers ADD COLUMN loyalty_points integer')
      if (failIn.has(schema)) await exec('SELECT 1 / 0')
      await exec('CREATE INDEX customers_loyalty_idx ON customers (loyalty_points)')
    },
  }
}

type TenantState = 'migrated' | 'untouched'

describe('staged rollouts on real PostgreSQL', () => {
  let t: TestDatabase
  const failIn = new Set<string>()
  let tenancy: Tenancy
  const fleet = ['t01', 't02', 't03', 't04', 't05', 't06', 't07', 't08']

  /** Every tenant's state, asserting each is whole: migrated in both ledgers with column and index, or none of it. */
  async function states(): Promise<Record<string, TenantState>> {
    const rows = await t.db.rows<{ schema: string; own: boolean; central: boolean; col: boolean; idx: boolean }>(
      `SELECT t.schema,
              EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = t.schema AND c.relname = 'customers_loyalty_idx') AS idx,
              EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = t.schema AND table_name = 'customers' AND column_name = 'loyalty_points') AS col,
              EXISTS (SELECT 1 FROM public.tenant_migrations m WHERE m.schema = t.schema AND m.name = $1) AS central,
              false AS own
         FROM public.tenants t ORDER BY t.schema`,
      [LOYALTY],
    )
    const result: Record<string, TenantState> = {}
    for (const row of rows) {
      const [own] = await t.db.rows<{ present: boolean }>(`SELECT EXISTS (SELECT 1 FROM "${row.schema}".schemata_migrations WHERE name = $1) AS present`, [LOYALTY])
      const parts = [row.col, row.idx, row.central, own?.present === true]
      // Never half done.
      expect(new Set(parts).size, `${row.schema}: column/index/central/own = ${parts.join('/')}`).toBe(1)
      result[row.schema] = parts[0] ? 'migrated' : 'untouched'
    }
    return result
  }

  const expected = (migrated: string[]): Record<string, TenantState> => Object.fromEntries(fleet.map((s) => [s, migrated.includes(s) ? 'migrated' : 'untouched']))

  function options(overrides: Partial<RolloutOptions> = {}): RolloutOptions {
    return { order: 'name', maxFailures: 1, pauseBetweenMs: 0, lockTimeoutMs: 5000, lockRetries: 2, atomic: false, concurrency: 1, ...overrides }
  }

  function start(overrides: Partial<RolloutOptions> = {}, extra: Partial<StartRollout> = {}): Promise<RunDetail> {
    return runRollout(t.db, tenancy.migrations, { options: options(overrides), starter: { osUser: 'tester', host: 'here', via: 'cli' }, atomicLimit: 200, ...extra })
  }

  async function runCount(): Promise<number> {
    return (await listRuns(t.db)).length
  }

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'), { poolMax: 6 })
    tenancy = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, loyalty(failIn)] } })
  })
  afterAll(() => t?.drop())
  beforeEach(async () => {
    // A fresh fleet one migration behind; names reversed so "order by name" is not creation order.
    failIn.clear()
    for (const tenant of await t.tenancy.listTenants()) await t.tenancy.dropTenant(tenant.schema)
    for (const schema of fleet) await t.tenancy.createTenant({ name: `Tenant ${schema.toUpperCase()}`, schema })
  })

  it('--plan: exactly what would run, per stage and tenant, and nothing changes', async () => {
    const before = await t.db.rows('SELECT schema, name FROM public.tenant_migrations ORDER BY 1, 2')
    const { plan } = await planRollout(t.db, tenancy.migrations, options({ canary: { schemas: ['t05', 't02'] }, wave: 4 }))
    expect(plan.shared).toEqual([])
    expect(plan.stages.map((s) => [s.kind, s.number, s.tenants.map((x) => x.schema)])).toEqual([
      ['canary', 1, ['t05', 't02']],
      ['wave', 1, ['t01', 't03', 't04', 't06']],
      ['wave', 2, ['t07', 't08']],
    ])
    for (const tenant of plan.stages.flatMap((s) => s.tenants)) expect(tenant.pending).toEqual([LOYALTY])
    expect(plan.counts).toEqual({ tenants: 8, toMigrate: 8, migrations: 8 })
    expect(plan.upToDate).toBe(0)
    expect(plan.estimateMs).toBeNull()
    expect(plan.estimateBasis).toMatch(/^no estimate/)
    expect(await t.db.rows('SELECT schema, name FROM public.tenant_migrations ORDER BY 1, 2')).toEqual(before)
    expect(await states()).toEqual(expected([]))
    expect(await runCount()).toBe(0)

    // After a run, the next plan estimates from it; a migrated tenant leaves the stages.
    await start({ schema: 't01' })
    const next = (await planRollout(t.db, tenancy.migrations, options())).plan
    expect(next.upToDate).toBe(1)
    expect(next.stages[0]?.tenants.map((x) => x.schema)).toEqual(fleet.slice(1))
    expect(next.estimateMs).toBeGreaterThan(0)
    expect(next.estimateBasis).toBe('median of 1 tenant migration(s) in 1 earlier run(s)')
  })

  it('a failure in the canary halts the run after the canary: the waves are untouched; resume finishes it', async () => {
    failIn.add('t03')
    const run = await start({ canary: { schemas: ['t06', 't03', 't01'] }, wave: 3 })
    expect(run.status).toBe('halted')
    expect(run.haltReason).toMatch(/t03/)
    // t06 went first and is whole; t03 failed and rolled back; the brake kept t01 and every wave from starting.
    expect(await states()).toEqual(expected(['t06']))
    const byId = Object.fromEntries(run.tenants.map((x) => [x.schema, x]))
    expect(byId.t03).toMatchObject({ status: 'failed', failedMigration: LOYALTY, sqlstate: '22012', attempts: 1, stage: 0 })
    expect(byId.t03?.message).toMatch(/division by zero/)
    expect(byId.t06).toMatchObject({ status: 'migrated', applied: [LOYALTY], attempts: 1 })
    expect(byId.t06?.durationMs).toBeGreaterThan(0)
    expect(run.tenants.filter((x) => x.status === 'pending').map((x) => x.schema).sort()).toEqual(['t01', 't02', 't04', 't05', 't07', 't08'])
    expect(run.counts).toEqual({ planned: 8, migrated: 1, failed: 1, lockTimeout: 0, pending: 6 })

    failIn.clear()
    const resumed = await start({}, { resume: run.id })
    expect(resumed).toMatchObject({ status: 'completed', resumedFrom: run.id })
    // The rest, in the stages the first run gave them: canary (t03, t01), then the waves.
    expect(resumed.plan.stages.map((s) => [s.kind, s.number, s.tenants.map((x) => x.schema)])).toEqual([
      ['canary', 1, ['t03', 't01']],
      ['wave', 1, ['t02', 't04', 't05']],
      ['wave', 2, ['t07', 't08']],
    ])
    expect(await states()).toEqual(expected(fleet))
    expect((await getRun(t.db, run.id)).resumedBy).toEqual([resumed.id])
    // Resumed once: a second resume of the same run is refused, naming the later one.
    await expect(start({}, { resume: run.id })).rejects.toThrow(`resume: run ${run.id} was already resumed by run ${resumed.id}`)
    await expect(start({}, { resume: resumed.id })).rejects.toThrow(/is completed; only a halted/)
  })

  it('a failure within a wave halts the run before the next tenant starts; every other tenant is whole or untouched', async () => {
    // t05 is in the middle of wave 2: the brake must keep t06 (same wave) and wave 3 from starting.
    failIn.add('t05')
    const events: RolloutEvent[] = []
    const run = await start({ wave: 3 }, { onRollout: (e) => events.push(e) })
    expect(run.status).toBe('halted')
    expect(run.haltReason).toBe('1 tenant failed (--max-failures 1): t05')
    expect(await states()).toEqual(expected(['t01', 't02', 't03', 't04']))
    expect(run.tenants.filter((x) => x.status === 'pending').map((x) => x.schema)).toEqual(['t06', 't07', 't08'])
    expect(events.filter((e) => e.type === 'stage-start').map((e) => (e.type === 'stage-start' ? e.number : 0))).toEqual([1, 2])

    // --max-failures 3 lets two failures through: the run goes on, ends incomplete, and says so.
    failIn.add('t08')
    const second = await start({ wave: 3, maxFailures: 3 })
    expect(second.status).toBe('incomplete')
    expect(second.haltReason).toBe('2 tenants failed; resume the run to try them again')
    expect(await states()).toEqual(expected(['t01', 't02', 't03', 't04', 't06', 't07']))

    failIn.clear()
    const resumed = await start({}, { resume: second.id })
    expect(resumed.status).toBe('completed')
    expect(await states()).toEqual(expected(fleet))
  })

  it('--atomic: one failing tenant leaves every tenant untouched; without it, all in one transaction', async () => {
    failIn.add('t07')
    const run = await start({ atomic: true })
    expect(run.status).toBe('failed')
    expect(run.haltReason).toMatch(/^atomic run rolled back, no tenant was changed: failed in t07 \(0004_add_loyalty_points\): division by zero/)
    expect(run.tenants.find((x) => x.schema === 't07')).toMatchObject({ status: 'failed', sqlstate: '22012', failedMigration: LOYALTY })
    expect(await states()).toEqual(expected([]))

    // Beyond the limit: refused, nothing recorded, nothing run.
    const runs = await runCount()
    const refused = await runRollout(t.db, tenancy.migrations, { options: options({ atomic: true }), starter: { osUser: 'x', host: 'y', via: 'cli' }, atomicLimit: 5 }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(InvalidInputError)
    expect((refused as Error).message).toMatch(/^atomic: --atomic holds every tenant's locks in one transaction until it commits; 8 tenants to migrate is above the limit of 5/)
    expect(await runCount()).toBe(runs)

    failIn.clear()
    const ok = await start({ atomic: true })
    expect(ok.status).toBe('completed')
    expect(await states()).toEqual(expected(fleet))
  })

  it('a tenant whose table another session holds is retried later in the run, then reported as lock timeout, untouched', async () => {
    const blocker = new pg.Client({ connectionString: t.url })
    await blocker.connect()
    try {
      await blocker.query('BEGIN; LOCK TABLE t03.customers IN ACCESS EXCLUSIVE MODE')
      const events: RolloutEvent[] = []
      const run = await start({ lockTimeoutMs: 200, lockRetries: 2, concurrency: 2 }, { onRollout: (e) => events.push(e) })
      expect(run.status).toBe('incomplete')
      expect(run.haltReason).toMatch(/1 tenant could not get a lock \(lock timeout\)/)
      expect(run.tenants.find((x) => x.schema === 't03')).toMatchObject({ status: 'lock-timeout', sqlstate: '55P03', attempts: 3 })
      expect(run.tenants.find((x) => x.schema === 't03')?.message).toMatch(/^lock timeout: no lock within 200ms \(3 attempts\)/)
      expect(events.filter((e) => e.type === 'lock-retry')).toEqual([
        { type: 'lock-retry', schemas: ['t03'], attempt: 1 },
        { type: 'lock-retry', schemas: ['t03'], attempt: 2 },
      ])
      expect(await states()).toEqual(expected(fleet.filter((s) => s !== 't03')))

      // Released between attempts (the resume's first attempt still times out): the retry gets it.
      const retried = await start({}, {
        resume: run.id,
        overrides: { lockTimeoutMs: 200 },
        onRollout: (e) => {
          if (e.type === 'lock-retry') void blocker.query('ROLLBACK')
        },
      })
      expect(retried.status).toBe('completed')
      expect(retried.tenants).toMatchObject([{ schema: 't03', status: 'migrated', attempts: 2 }])
      expect(await states()).toEqual(expected(fleet))
    } finally {
      await blocker.end()
    }
  })

  it('a halt asked for by another session stops the run before its next stage; resume continues', async () => {
    let halted: Promise<unknown> | undefined
    const run = await start({ wave: 2, pauseBetweenMs: 5000 }, {
      haltPollMs: 50,
      onRollout: (e) => {
        if (e.type === 'pause') halted ??= listRuns(t.db).then(([latest]) => requestHalt(t.db, latest?.id ?? 0, 'admin@console'))
      },
    })
    await halted
    expect(run).toMatchObject({ status: 'halted', haltReason: 'halted by admin@console' })
    expect(await states()).toEqual(expected(['t01', 't02']))
    await expect(requestHalt(t.db, run.id, 'x')).rejects.toThrow(`run: run ${run.id} is halted, not running; there is nothing to halt`)
    const resumed = await start({}, { resume: run.id, overrides: { pauseBetweenMs: 0 } })
    expect(resumed.plan.stages.map((s) => s.tenants.length)).toEqual([2, 2, 2])
    expect(resumed.options.pauseBetweenMs).toBe(0)
    expect(resumed.status).toBe('completed')
    expect(await states()).toEqual(expected(fleet))
  })

  it('bad input: clear errors naming the problem, and nothing runs or is recorded', async () => {
    const runs = await runCount()
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)
    const unknownRun = await refusal(start({}, { resume: 4242 }))
    expect(unknownRun).toBeInstanceOf(InvalidInputError)
    expect((unknownRun as Error).message).toBe('resume: there is no run 4242 (see schemata migrate --runs)')
    expect(((await refusal(start({ canary: { schemas: ['t01', 'ghost'] } }))) as Error).message).toBe('canary: "ghost" is not a tenant')
    expect(((await refusal(start({ order: 'file', orderFile: { path: 'order.txt', schemas: ['t02', 'nope', 'zip'] } }))) as Error).message).toBe(
      'order: order.txt names 2 tenants that do not exist: nope, zip',
    )
    expect(await runCount()).toBe(runs)
    expect(await states()).toEqual(expected([]))
  })
})
