import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import type { ApiRequestLogEntry } from '../../contract/types.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import type { CallContext } from '../../electron/main/handlers/dispatch-types.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { type RunningApp, startApp } from '../../electron/main/app/start-app.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * The desktop app runs the local server too, so its Requests panel sends real
 * tenant API requests: the start-up as the Electron shell runs it, against an
 * external database (DATABASE_URL).
 */
describe('the app start-up with its local tenant API server', () => {
  let t: TestDatabase
  let started: RunningApp
  const logged: ApiRequestLogEntry[] = []

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'))
    await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
    await t.tenancy.createTenant({ name: 'Globex', schema: 'globex' })
    started = await startApp({
      target: { mode: 'external', url: t.url },
      sessions: new SessionStore(),
      server: { rendererDir: 'out/renderer', port: 0, optional: true },
      onRequestLogged: (e) => logged.push(e),
    })
  })
  afterAll(async () => {
    await started?.stop()
    await t?.drop()
  })

  it('answers requests/send through the real server and logs them', async () => {
    expect(started.server?.port).toBeGreaterThan(0)
    const dispatch = createDispatcher(started.services)
    const context: CallContext = { session: started.services.sessions.open('w1'), emit: () => undefined, broadcast: () => undefined }
    const outcome = await dispatch('requests/send', { method: 'GET', host: 'app.globex.localhost', path: '/api/tenant' }, context)
    expect(outcome).toMatchObject({ ok: true, result: { status: 200, resolved: { tenant: 'globex', via: 'subdomain' } } })
    const viaHeader = await dispatch('requests/send', { method: 'GET', host: 'localhost', path: '/api/tenant', headers: { 'X-Tenant': 'acme' } }, context)
    expect(viaHeader).toMatchObject({ ok: true, result: { status: 200, json: { schema: 'acme' } } })
    const log = await dispatch('requests/log', {}, context)
    expect(log).toMatchObject({ ok: true })
    expect(logged.map((e) => e.tenant)).toEqual(['globex', 'acme'])
  })
})
