import { describe, expect, it, vi } from 'vitest'
import type { CallContext, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { createStartupDispatcher } from '../../electron/main/handlers/startup-dispatcher.ts'

const context: CallContext = { session: { id: 'w', activeTenant: null }, emit: vi.fn(), broadcast: vi.fn() }

describe('startup dispatcher (database not ready yet)', () => {
  it('answers db/status from the target while starting', async () => {
    const startup = createStartupDispatcher({ mode: 'embedded', dataDir: '/data/schemata' })
    expect(await startup.dispatch('db/status', {}, context)).toEqual({
      ok: true,
      result: {
        mode: 'embedded',
        running: false,
        host: null,
        port: null,
        database: null,
        user: null,
        serverVersion: null,
        dataDir: '/data/schemata',
      },
    })
  })

  it('shows an external target without its password', () => {
    const startup = createStartupDispatcher({ mode: 'external', url: 'postgres://app:s3cret@db.example:6543/tenants' })
    const status = startup.offlineStatus()
    expect(status).toMatchObject({ mode: 'external', host: 'db.example', port: 6543, database: 'tenants', user: 'app' })
    expect(JSON.stringify(status)).not.toContain('s3cret')
  })

  it('refuses other calls with DATABASE_UNAVAILABLE naming the step', async () => {
    const startup = createStartupDispatcher({ mode: 'embedded', dataDir: '/d' })
    startup.progress('initialising database cluster (first run)…')
    expect(await startup.dispatch('tenants/list', {}, context)).toEqual({
      ok: false,
      error: { code: 'DATABASE_UNAVAILABLE', message: 'the database is not ready yet (initialising database cluster (first run))' },
    })
  })

  it('still validates names and inputs', async () => {
    const startup = createStartupDispatcher({ mode: 'embedded', dataDir: '/d' })
    expect(await startup.dispatch('nope', {}, context)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'call' } })
    expect(await startup.dispatch('tenants/switch', {}, context)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', field: 'schema' },
    })
  })

  it('after a failed start, says why in db/status and in every refusal', async () => {
    const startup = createStartupDispatcher({ mode: 'embedded', dataDir: '/d' })
    startup.failed(new Error('initdb failed (exit 1)'))
    expect(await startup.dispatch('db/status', {}, context)).toMatchObject({
      ok: true,
      result: { running: false, error: 'initdb failed (exit 1)' },
    })
    expect(await startup.dispatch('tenants/list', {}, context)).toMatchObject({
      ok: false,
      error: { code: 'DATABASE_UNAVAILABLE', message: 'the database could not be started: initdb failed (exit 1)' },
    })
  })

  it('hands every call to the real dispatcher once ready', async () => {
    const startup = createStartupDispatcher({ mode: 'embedded', dataDir: '/d' })
    const real: Dispatch = vi.fn(() => Promise.resolve({ ok: true as const, result: 'real' }))
    startup.ready(real)
    expect(await startup.dispatch('tenants/list', {}, context)).toEqual({ ok: true, result: 'real' })
    expect(real).toHaveBeenCalledWith('tenants/list', {}, context)
  })
})
