import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DbStatus } from '../../contract/types.ts'
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

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await predicate()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}
