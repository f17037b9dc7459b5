import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import type { ContractEvents, EventName } from '../../contract/contract.ts'
import type { RunDetail, RunSummary } from '../../contract/rollout-types.ts'
import type { MigrationEvent } from '../../contract/types.ts'
import type { CallContext, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { runRollout } from '../../electron/main/rollout/run-rollout.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * The run calls of the contract (list, get, resume, halt) through the
 * dispatcher, as IPC and HTTP call them: inputs validated, errors as
 * envelopes, a resume streaming progress to the calling window.
 */

const blocked = new Set<string>()
const flaky: MigrationDefinition = {
  name: '0004_add_flag',
  async up({ exec, schema }) {
    await exec('ALTER TABLE customers ADD COLUMN flag boolean')
    if (blocked.has(schema)) await exec('SELECT 1 / 0')
  },
}

describe('contract: migrations/runs/*', () => {
  let t: TestDatabase
  let dispatch: Dispatch
  const emitted: { event: EventName; payload: unknown }[] = []
  const unexpected: unknown[] = []
  const context = (): CallContext => {
    const sessions = new SessionStore()
    return {
      session: sessions.open('w-runs'),
      emit: <E extends EventName>(event: E, payload: ContractEvents[E]) => emitted.push({ event, payload }),
      broadcast: () => undefined,
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'), { migrations: { tenant: [...tenantMigrations, flaky] } })
    dispatch = createDispatcher(
      { tenancy: t.tenancy, target: { mode: 'external', url: t.url }, sessions: new SessionStore() },
      { logUnexpected: (name, error) => unexpected.push({ name, error }) },
    )
    // Made one migration behind: created by a core that does not have the new migration yet.
    const older = new Tenancy(t.db, { migrations: { tenant: tenantMigrations } })
    for (const schema of ['a1', 'a2', 'a3']) await older.createTenant({ name: schema, schema })
  })
  afterAll(() => t?.drop())

  it('validates inputs like every call, and an unknown run is INVALID_INPUT naming it', async () => {
    const ctx = context()
    expect(await dispatch('migrations/runs/get', { id: 0 }, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'id' } })
    expect(await dispatch('migrations/runs/resume', { id: 'x' }, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'id' } })
    expect(await dispatch('migrations/runs/halt', { id: 1, force: true }, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'force' } })
    expect(await dispatch('migrations/runs/list', { limit: 501 }, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'limit' } })
    expect(await dispatch('migrations/runs/list', {}, ctx)).toEqual({ ok: true, result: [] })
    expect(await dispatch('migrations/runs/get', { id: 9 }, ctx)).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', field: 'run', message: 'run: there is no run 9 (see schemata migrate --runs)' },
    })
    expect(await dispatch('migrations/runs/resume', { id: 9 }, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'resume' } })
    expect(unexpected).toEqual([])
  })

  it('lists and details a halted run; resume finishes it, streaming progress; halt refuses a run that is not running', async () => {
    blocked.add('a2')
    const halted = await runRollout(t.db, t.tenancy.migrations, {
      options: { order: 'name', maxFailures: 1, pauseBetweenMs: 0, lockTimeoutMs: 5000, lockRetries: 0, atomic: false, concurrency: 1 },
      starter: { osUser: 'u', host: 'h', via: 'cli' },
      atomicLimit: 200,
    })
    expect(halted.status).toBe('halted')
    const ctx = context()
    const list = await dispatch('migrations/runs/list', {}, ctx)
    expect(list.ok && (list.result as RunSummary[]).map((r) => [r.id, r.status])).toEqual([[halted.id, 'halted']])
    const detail = await dispatch('migrations/runs/get', { id: halted.id }, ctx)
    expect(detail.ok && (detail.result as RunDetail).tenants.map((x) => `${x.schema}:${x.status}`)).toEqual(['a1:migrated', 'a2:failed', 'a3:pending'])

    blocked.clear()
    const resumed = await dispatch('migrations/runs/resume', { id: halted.id }, ctx)
    expect(resumed.ok).toBe(true)
    const run = (resumed as { result: RunDetail }).result
    expect(run).toMatchObject({ status: 'completed', resumedFrom: halted.id, startedBy: { via: 'console' } })
    expect(run.tenants.map((x) => `${x.schema}:${x.status}`)).toEqual(['a2:migrated', 'a3:migrated'])
    const progress = emitted.filter((e) => e.event === 'migrations/progress').map((e) => (e.payload as MigrationEvent).type)
    expect(progress).toContain('schema-done')
    expect(await dispatch('migrations/runs/halt', { id: run.id }, ctx)).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', field: 'run', message: `run: run ${run.id} is completed, not running; there is nothing to halt` },
    })
    expect(unexpected).toEqual([])
  })
})
