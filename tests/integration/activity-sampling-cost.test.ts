import { afterAll, beforeAll, describe, expect, it, inject, type MockInstance, vi } from 'vitest'
import type { Database } from '../../electron/main/db/database.ts'
import { ActivityMonitor } from '../../electron/main/activity/activity-monitor.ts'
import { installStatementStats } from '../../electron/main/db/statement-stats-setup.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * What the Activity view's background sampling asks of the database: the
 * statements are counted as they reach the real server (the pool's `rows`,
 * which every activity read goes through, observed, not replaced).
 */

let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  await installStatementStats(t.url)
  for (const schema of ['one', 'two']) await t.tenancy.createTenant({ name: schema, schema })
})
afterAll(async () => {
  vi.restoreAllMocks()
  await t?.drop()
})

/** Runs `body` with the pool's statements counted from here on; then stops counting and stops the monitor. */
async function counting(monitor: ActivityMonitor, body: (statements: MockInstance<Database['rows']>) => Promise<void>): Promise<void> {
  const statements = vi.spyOn(t.db, 'rows')
  try {
    await body(statements)
  } finally {
    statements.mockRestore()
    monitor.stop()
  }
}

const overviewQuery = { rankBy: 'calls' as const, windowMs: 60_000, noisyShare: 0.5, limit: 10 }

describe('the cost of watching', () => {
  it('sends one statement per sample; sizes only when due, beside it', async () => {
    let clock = 5_000_000
    const monitor = new ActivityMonitor(t.db, { now: () => clock, sizesEveryMs: 10_000 })
    await monitor.sampleNow()
    await counting(monitor, async (statements) => {
      for (let i = 0; i < 4; i++) {
        clock += 2_000
        await monitor.sampleNow()
      }
      expect(statements).toHaveBeenCalledTimes(4)
      // The statement carries the counters, the sessions and the extension's state.
      const sql = String(statements.mock.calls[0]?.[0])
      for (const part of ['"pg_stat_statements"(false)', 'pg_locks', 'pg_stat_activity', '"pg_stat_statements_info"', 'public.tenants']) expect(sql).toContain(part)
      statements.mockClear()
      // 10 s after the last size read: the sizes are read again, in a statement of their own.
      clock += 2_000
      await monitor.sampleNow()
      await monitor.sizesSettled()
      expect(statements).toHaveBeenCalledTimes(2)
    })
  })

  it('a view polling every interval does not add samples to the timer’s', async () => {
    let clock = 6_000_000
    const monitor = new ActivityMonitor(t.db, { now: () => clock, intervalMs: 2_000 })
    await monitor.overview(overviewQuery)
    await counting(monitor, async (statements) => {
      // Polls within an interval of the last sample are answered from the history.
      for (const step of [500, 500, 500]) {
        clock += step
        await monitor.overview(overviewQuery)
      }
      expect(statements).not.toHaveBeenCalled()
      clock += 500
      await monitor.overview(overviewQuery)
      expect(statements).toHaveBeenCalledTimes(1)
    })
  })

  it('stops sampling when nobody has asked for idleMs, and starts again on the next question', async () => {
    let clock = 7_000_000
    const monitor = new ActivityMonitor(t.db, { now: () => clock, intervalMs: 20, idleMs: 10_000 })
    await counting(monitor, async (statements) => {
      await monitor.overview(overviewQuery)
      statements.mockClear()
      // Watched: the timer samples on its own.
      await vi.waitFor(() => expect(statements.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 })
      clock += 10_001
      // The next tick finds nobody asked within idleMs and stops; whatever was under way finishes.
      await vi.waitFor(() => expect(monitor.watching).toBe(false), { timeout: 10_000 })
      statements.mockClear()
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(statements).not.toHaveBeenCalled()
      await monitor.overview(overviewQuery)
      expect(statements.mock.calls.length).toBeGreaterThanOrEqual(1)
      expect(monitor.watching).toBe(true)
    })
  })

  it('answers a tenant’s detail in one statement once the extension has been found', async () => {
    const monitor = new ActivityMonitor(t.db)
    await monitor.sampleNow()
    await counting(monitor, async (statements) => {
      for (let i = 0; i < 3; i++) {
        const detail = await monitor.detail('one', 5)
        expect(detail.name).toBe('one')
        expect(detail.statementStats.available).toBe(true)
        expect(detail.totals).not.toBeNull()
      }
      expect(statements).toHaveBeenCalledTimes(3)
      // The one statement carries the registry entry, the statements, the sizes and the sessions.
      const sql = String(statements.mock.calls[0]?.[0])
      for (const part of ['public.tenants', '"pg_stat_statements"(true)', '"pg_stat_statements_info"', 'pg_relation_size', 'pg_stat_activity']) expect(sql).toContain(part)
    })
  })
})
