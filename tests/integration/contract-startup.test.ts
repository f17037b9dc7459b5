import { rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readDbStatus } from '../../electron/main/handlers/db-handlers.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { startContractServices } from '../../electron/main/handlers/start-services.ts'
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

describe('startContractServices (embedded)', () => {
  it('on the first run initialises the cluster and seeds the demo; later runs do not', async () => {
    const steps: string[] = []
    const first = await startContractServices(target, { sessions: new SessionStore(), onProgress: (s) => steps.push(s), seedDemoOnFirstRun: true })
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
      await first.shutdown()
    }
    // This process started the server, so shutting down stopped it.
    expect((await embeddedStatus(dataDir)).running).toBe(false)

    const again: string[] = []
    const second = await startContractServices(target, { sessions: new SessionStore(), onProgress: (s) => again.push(s), seedDemoOnFirstRun: true })
    try {
      expect(again).not.toContain('initialising database cluster (first run)…')
      expect(again).not.toContain('adding the demo tenants…')
      expect((await second.services.tenancy.listTenants()).map((tenant) => tenant.schema)).toEqual(['acme', 'globex'])
    } finally {
      await second.shutdown()
    }
  })
})
