import { execFileSync } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DbStatus } from '../../contract/types.ts'
import type { CallContext } from '../../electron/main/handlers/dispatch-types.ts'
import { readDbStatus } from '../../electron/main/handlers/db-handlers.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { startApp } from '../../electron/main/app/start-app.ts'
import { embeddedStatus, stopEmbedded } from '../../electron/main/db/embedded-server.ts'

/*
 * The app's start-up on its own embedded data directory, as the Electron shell
 * runs it: a first run initialises the cluster and adds the demo tenants; a
 * later run does neither.
 */

// Under the repo, not os.tmpdir(): as root the cluster is owned by postgres, and a shared tmp dir leaks those.
const dataDir = path.resolve('.test-data', `contract-startup-${process.pid}`)
const target = { mode: 'embedded' as const, dataDir }

afterAll(async () => {
  await stopEmbedded(dataDir)
  await rm(dataDir, { recursive: true, force: true })
})

describe('startApp (embedded)', () => {
  it('on the first run initialises the cluster and seeds the demo; later runs do not', async () => {
    const steps: string[] = []
    const first = await startApp({ target, sessions: new SessionStore(), onProgress: (s) => steps.push(s), seedDemoOnFirstRun: true })
    try {
      expect(steps).toContain('initialising database cluster (first run)…')
      expect(steps).toContain('adding the demo tenants…')
      expect(steps.at(-1)).toBe('ready')
      const tenants = await first.services.tenancy.listTenants()
      expect(tenants.map((tenant) => tenant.schema)).toEqual(['acme', 'globex', 'initech'])
      const status = await readDbStatus(target, first.services.tenancy.db)
      expect(status).toMatchObject({ mode: 'embedded', running: true, host: '127.0.0.1', dataDir, database: 'schemata' })
      expect(status.port).toBe((await embeddedStatus(dataDir)).port)
      // Someone removes a demo tenant; the next start must not bring it back.
      await first.services.tenancy.dropTenant('initech')
    } finally {
      await first.stop()
    }
    // This process started the server, so shutting down stopped it.
    expect((await embeddedStatus(dataDir)).running).toBe(false)

    const again: string[] = []
    const second = await startApp({ target, sessions: new SessionStore(), onProgress: (s) => again.push(s), seedDemoOnFirstRun: true })
    try {
      expect(again).not.toContain('initialising database cluster (first run)…')
      expect(again).not.toContain('adding the demo tenants…')
      expect((await second.services.tenancy.listTenants()).map((tenant) => tenant.schema)).toEqual(['acme', 'globex'])
    } finally {
      await second.stop()
    }
  })
})

describe('startApp (embedded): the database dies under it', () => {
  it('reports the crash and the restart as db/status, and serves again on the restarted server', async () => {
    const statuses: DbStatus[] = []
    const events: string[] = []
    const running = await startApp({ target, onDbStatus: (status) => statuses.push(status), onDatabaseEvent: (event) => events.push(event.type) })
    try {
      const before = await running.dbStatus()
      expect(before).toMatchObject({ mode: 'embedded', running: true, dataDir })
      const postmaster = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0])
      process.kill(postmaster, 'SIGKILL')

      await waitFor('the restart to be published', () => statuses.some((status) => status.running))
      expect(events).toEqual(['down', 'restarted'])
      // First the outage, then the restarted server as `db/status` reads it (its port, its version).
      expect(statuses[0]).toMatchObject({ mode: 'embedded', running: false, dataDir })
      const restarted = statuses.find((status) => status.running)
      expect(restarted).toMatchObject({ mode: 'embedded', running: true, dataDir, database: 'schemata' })
      expect(restarted?.port).toBe((await embeddedStatus(dataDir)).port)
      await waitFor('the pool to reach the restarted server', async () => {
        try {
          return (await running.tenancy.listTenants()).length >= 0
        } catch {
          return false
        }
      })
    } finally {
      await running.stop()
    }
    expect((await embeddedStatus(dataDir)).running).toBe(false)
  })
})

describe('startApp (embedded): the database freezes under it (issue 10, item 6b)', () => {
  it('says "not responding" instead of spinning, fails calls in flight and new ones with DATABASE_UNAVAILABLE, and shows the recovery', async () => {
    const statuses: DbStatus[] = []
    // A short probe so the test does not wait out the 3 s default; the mechanism is the same.
    const running = await startApp({ target, onDbStatus: (status) => statuses.push(status), health: { intervalMs: 100, timeoutMs: 800 } })
    const context: CallContext = { session: running.services.sessions.open('w1'), emit: () => undefined, broadcast: () => undefined }
    let frozen: number[] = []
    try {
      expect(await running.dispatch('tenants/list', {}, context)).toMatchObject({ ok: true })
      // Frozen, not dead: every process of the cluster stopped (the pid stays, the sockets stay open, nothing answers).
      frozen = await clusterPids(dataDir)
      expect(frozen.length).toBeGreaterThan(1)
      for (const pid of frozen) process.kill(pid, 'SIGSTOP')
      // A call that went out as the server froze: before the probe, this waited forever.
      const inFlight = running.dispatch('tenants/list', {}, context)

      await waitFor('the status to say not responding', async () => (await running.dbStatus()).notRespondingSince !== undefined, 15_000)
      const silent = await running.dbStatus()
      expect(silent).toMatchObject({ mode: 'embedded', running: false, dataDir })
      expect(silent.error).toMatch(/not responding.*no answer to a health check within 0\.8 s/)
      expect(statuses.some((status) => status.notRespondingSince !== undefined)).toBe(true)
      // db/status through the contract answers at once with the same, instead of asking the frozen server.
      expect(await running.dispatch('db/status', {}, context)).toMatchObject({ ok: true, result: { running: false, notRespondingSince: silent.notRespondingSince } })

      const late = await inFlight
      expect(late).toMatchObject({ ok: false, error: { code: 'DATABASE_UNAVAILABLE' } })
      expect(late.ok ? '' : late.error.message).toMatch(/not responding/)
      const refused = await running.dispatch('tenants/list', {}, context)
      expect(refused).toMatchObject({ ok: false, error: { code: 'DATABASE_UNAVAILABLE' } })

      for (const pid of frozen) process.kill(pid, 'SIGCONT')
      frozen = []
      await waitFor('the status to say running again', async () => {
        const status = await running.dbStatus()
        return status.running && status.notRespondingSince === undefined
      })
      const recovered = statuses.at(-1)
      expect(recovered).toMatchObject({ running: true, database: 'schemata' })
      expect(recovered?.notRespondingSince).toBeUndefined()
      expect(await running.dispatch('tenants/list', {}, context)).toMatchObject({ ok: true })
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT')
      await running.stop()
    }
  })
})

/** The postmaster of the data directory and its children (backends, checkpointer, …). */
async function clusterPids(dir: string): Promise<number[]> {
  const postmaster = Number((await readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0])
  const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  return [postmaster, ...children]
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await predicate()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}
