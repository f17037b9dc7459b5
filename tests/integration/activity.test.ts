import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { ActivityHistory } from '../../electron/main/activity/activity-history.ts'
import { ActivityMonitor } from '../../electron/main/activity/activity-monitor.ts'
import { takeActivitySample } from '../../electron/main/activity/activity-sample.ts'
import { installStatementStats } from '../../electron/main/db/statement-stats-setup.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * Per-tenant activity against real servers: the embedded one (pg_stat_statements
 * preloaded, installed by the same bootstrap the app runs) and the external
 * PostgreSQL 15, where it may or may not be there, and the report must say which.
 */

let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  await installStatementStats(t.url)
  for (const schema of ['quiet', 'busy', 'idle']) await t.tenancy.createTenant({ name: schema.toUpperCase(), schema })
})
afterAll(() => t?.drop())

async function readCustomers(schema: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await t.tenancy.withTenant(schema, () => t.tenancy.models.Customer.findAll({ where: { name: `nobody-${i % 3}` } }))
  }
}

describe('per-tenant statement statistics (embedded)', () => {
  it('attributes each tenant’s statements to that tenant, and the app’s own to nobody', async () => {
    const before = await takeActivitySample(t.db)
    expect(before.statementStats).toMatchObject({ available: true, extensionSchema: 'schemata_stats', queryText: true })
    await readCustomers('quiet', 5)
    await readCustomers('busy', 60)
    const after = await takeActivitySample(t.db)

    const calls = (sample: typeof after, schema: string) => sample.tenants.find((x) => x.schema === schema)?.counters?.calls ?? -1
    const delta = (schema: string) => calls(after, schema) - calls(before, schema)
    // Each scope is the enter call, the read and the COMMIT, all run as the tenant's role.
    expect(delta('busy')).toBeGreaterThanOrEqual(60 * 2)
    expect(delta('quiet')).toBeGreaterThanOrEqual(5 * 2)
    expect(delta('quiet')).toBeLessThan(60)
    expect(delta('idle')).toBe(0)
    const busy = after.tenants.find((x) => x.schema === 'busy')?.counters
    expect(busy?.timeMs).toBeGreaterThan(0)
    expect(busy?.sharedBlocksHit).toBeGreaterThan(0)
    // The registry reads of takeActivitySample itself ran as the app's login.
    expect(after.other?.calls).toBeGreaterThan(0)
  })

  it('lists a tenant’s top statements with their normalised text', async () => {
    await readCustomers('busy', 20)
    const detail = await new ActivityMonitor(t.db).detail('busy', 10)
    expect(detail.statements.length).toBeGreaterThan(0)
    const read = detail.statements.find((s) => /FROM "customers"/.test(s.query))
    expect(read?.calls).toBeGreaterThanOrEqual(80)
    expect(read?.query).toMatch(/\$1/)
    expect(detail.totals?.calls).toBeGreaterThanOrEqual(detail.statements.reduce((sum, s) => sum + s.calls, 0))
    expect(detail.statements.every((s) => s.share >= 0 && s.share <= 1)).toBe(true)
  })

  it('ranks the tenant that was made busy first, and marks it as a noisy neighbour', async () => {
    let clock = 1_000_000
    const monitor = new ActivityMonitor(t.db, { now: () => clock })
    await monitor.sampleNow()
    clock += 2_000
    await readCustomers('quiet', 3)
    await readCustomers('busy', 40)
    const overview = await monitor.overview({ rankBy: 'calls', windowMs: 60_000, noisyShare: 0.5, limit: 10 })
    monitor.stop()
    expect(overview.tenants.map((row) => row.schema)).toEqual(['busy', 'quiet', 'idle'])
    const [busy, quiet] = overview.tenants
    expect(busy?.noisy).toBe(true)
    expect(quiet?.noisy).toBe(false)
    expect(busy?.share).toBeGreaterThan(0.5)
    expect(busy?.series).toHaveLength(1)
    expect(busy?.series[0]).toBe(busy?.window.calls)
    expect(overview.total).toBe(overview.tenants.reduce((sum, row) => sum + row.window.calls, 0))
  })

  it('splits sizes into table, index and TOAST, and reports growth between samples', async () => {
    let clock = 2_000_000
    const monitor = new ActivityMonitor(t.db, { now: () => clock, sizesEveryMs: 0 })
    await monitor.sampleNow()
    const admin = await createTestDatabaseAdmin()
    // Incompressible values of 40 kB go out of line into the table's TOAST relation.
    await admin(`CREATE TABLE busy.notes (id serial PRIMARY KEY, body text);
      INSERT INTO busy.notes (body) SELECT string_agg(md5(random()::text || g::text || i::text), '') FROM generate_series(1, 20) i, generate_series(1, 1250) g GROUP BY i`)
    clock += 2_000
    // Sizes are read beside the counters: this sample starts the read, the next one has its result.
    await monitor.sampleNow()
    await monitor.sizesSettled()
    clock += 2_000
    const overview = await monitor.overview({ rankBy: 'size', windowMs: 60_000, noisyShare: 0.5, limit: 10 })
    monitor.stop()
    const busy = overview.tenants[0]
    expect(busy?.schema).toBe('busy')
    expect(busy?.sizes.toastBytes).toBeGreaterThan(20 * 30_000)
    expect(busy?.sizes.tableBytes).toBeGreaterThan(0)
    expect(busy?.sizes.indexBytes).toBeGreaterThan(0)
    expect(busy?.sizes.totalBytes).toBe((busy?.sizes.tableBytes ?? 0) + (busy?.sizes.indexBytes ?? 0) + (busy?.sizes.toastBytes ?? 0))
    expect(busy?.growthBytes).toBeGreaterThan(20 * 30_000)
    expect(overview.tenants.find((row) => row.schema === 'idle')?.growthBytes).toBe(0)
    expect(busy?.series).toEqual([expect.any(Number), (busy?.sizes.totalBytes ?? 0)])
    expect((busy?.series[1] ?? 0) - (busy?.series[0] ?? 0)).toBe(busy?.growthBytes)
  })

  it('counts a tenant’s live sessions from pg_stat_activity, pooled scopes included', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let entered!: () => void
    const inside = new Promise<void>((resolve) => (entered = resolve))
    const scope = t.tenancy.withTenant('quiet', async () => {
      await t.tenancy.models.Customer.count()
      entered()
      await held
    })
    await inside
    try {
      const sample = await takeActivitySample(t.db)
      const quiet = sample.tenants.find((x) => x.schema === 'quiet')
      expect(quiet?.sessions).toMatchObject({ total: 1, idleInTransaction: 1 })
      expect(quiet?.sessions.oldestTransactionMs).toBeGreaterThanOrEqual(0)
      expect(sample.tenants.find((x) => x.schema === 'idle')?.sessions.total).toBe(0)
      const detail = await new ActivityMonitor(t.db).detail('quiet', 5)
      expect(detail.sessions).toHaveLength(1)
      expect(detail.sessions[0]?.query).toMatch(/customers/)
    } finally {
      release()
      await scope
    }
    expect((await takeActivitySample(t.db)).tenants.find((x) => x.schema === 'quiet')?.sessions.total).toBe(0)
  })

  it('the history keeps only tenants that had activity in an interval', () => {
    const history = new ActivityHistory(60_000)
    const sample = (calls: number) => ({
      at: new Date().toISOString(),
      database: 'x',
      statementStats: { available: true as const, extensionSchema: 's', queryText: true, evicted: 0, resetAt: null },
      other: null,
      tenants: [
        { schema: 'a', name: 'A', counters: { calls, timeMs: calls, rows: 0, sharedBlocksHit: 0, sharedBlocksRead: 0, tempBlocks: 0 }, sizes: { tableBytes: 0, indexBytes: 0, toastBytes: 0, totalBytes: 0 }, sessions: { total: 0, active: 0, idleInTransaction: 0, waiting: 0, oldestTransactionMs: null } },
      ],
    })
    history.add(sample(10), 0)
    history.add(sample(10), 2_000)
    history.add(sample(15), 4_000)
    const overview = history.overview({ rankBy: 'calls', windowMs: 60_000, noisyShare: 0.5, limit: 5 }, 2_000)
    expect(overview?.tenants[0]?.series).toEqual([0, 5])
    expect(overview?.tenants[0]?.noisy).toBe(false) // the only tenant with activity is nobody's neighbour
  })
})

describe('the activity calls of the contract', () => {
  const call = async (name: 'activity/overview' | 'activity/tenant', input: unknown) => {
    const sessions = new SessionStore()
    const unexpected: unknown[] = []
    const dispatch = createDispatcher(
      { tenancy: t.tenancy, target: { mode: 'external', url: t.url }, sessions },
      { logUnexpected: (_name, error) => unexpected.push(error) },
    )
    const session = sessions.open('w')
    const outcome = await dispatch(name, input, { session, emit: () => undefined, broadcast: () => undefined })
    expect(unexpected).toEqual([])
    return outcome
  }

  it('answers the overview and a tenant’s detail', async () => {
    const overview = await call('activity/overview', { rankBy: 'calls', windowSeconds: 60 })
    expect(overview.ok && (overview.result as { tenantCount: number }).tenantCount).toBe(3)
    const detail = await call('activity/tenant', { schema: 'busy' })
    expect(detail.ok && (detail.result as { name: string }).name).toBe('BUSY')
  })

  it('refuses bad input with the field named, and an unknown tenant as not found', async () => {
    expect(await call('activity/tenant', { schema: 'nobody_here' })).toMatchObject({ ok: false, error: { code: 'TENANT_NOT_FOUND' } })
    expect(await call('activity/tenant', { schema: 'Bad-Name' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'schema' } })
    expect(await call('activity/overview', { rankBy: 'rows' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'rankBy' } })
    expect(await call('activity/overview', { windowSeconds: 5 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'windowSeconds' } })
  })
})

describe('without pg_stat_statements', () => {
  it('says the extension is not installed, and still reports sizes and sessions', async () => {
    const bare = await createTestDatabase(inject('embeddedAdminUrl'))
    try {
      await bare.tenancy.createTenant({ name: 'Solo', schema: 'solo' })
      const sample = await takeActivitySample(bare.db)
      expect(sample.statementStats).toMatchObject({ available: false, reason: 'not-installed' })
      expect(sample.statementStats.available ? '' : sample.statementStats.message).toContain(`database "${bare.name}"`)
      expect(sample.tenants[0]?.counters).toBeNull()
      expect(sample.tenants[0]?.sizes.totalBytes).toBeGreaterThan(0)
      expect(sample.other).toBeNull()
    } finally {
      await bare.drop()
    }
  })

  it('on the external server: names what is missing when the server did not preload it', async (ctx) => {
    const url = inject('externalAdminUrl')
    if (!url) ctx.skip(inject('externalSkipReason'))
    const ext = await createTestDatabase(url)
    try {
      await ext.tenancy.createTenant({ name: 'Ext', schema: 'ext' })
      const [me] = await ext.db.rows<{ superuser: boolean; libs: string | null }>(
        `SELECT rolsuper AS superuser,
                CASE WHEN rolsuper THEN current_setting('shared_preload_libraries') END AS libs
           FROM pg_roles WHERE rolname = current_user`,
      )
      if (me?.superuser) {
        await installStatementStats(ext.url)
        const sample = await takeActivitySample(ext.db)
        if ((me.libs ?? '').includes('pg_stat_statements')) {
          expect(sample.statementStats.available).toBe(true)
        } else {
          expect(sample.statementStats).toMatchObject({ available: false, reason: 'not-loaded' })
          expect(sample.statementStats.available ? '' : sample.statementStats.message).toContain('shared_preload_libraries')
        }
      } else {
        // CI's least-privilege login cannot install it, and the report says what a superuser must do.
        const sample = await takeActivitySample(ext.db)
        expect(sample.statementStats).toMatchObject({ available: false, reason: 'not-installed' })
        expect(sample.statementStats.available ? '' : sample.statementStats.message).toContain('CREATE EXTENSION pg_stat_statements')
      }
    } finally {
      await ext.drop()
    }
  })
})

/** Runs SQL as the server's superuser in the test database (for fixtures the app would never create). */
async function createTestDatabaseAdmin(): Promise<(sql: string) => Promise<void>> {
  const { default: pg } = await import('pg')
  return async (sql) => {
    const client = new pg.Client({ connectionString: t.url })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
}
