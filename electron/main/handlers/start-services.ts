import { bootstrapApp } from '../app/bootstrap.ts'
import type { DatabaseTarget } from '../db/connect.ts'
import { embeddedStatus } from '../db/embedded-server.ts'
import { seedDemo } from '../demo/demo-data.ts'
import type { ApiRequestLogEntry } from '../../../contract/types.ts'
import type { SchemataServer } from '../server/create-server.ts'
import { startLocalServer } from '../server/start-local-server.ts'
import type { ContractServices } from './handler-types.ts'
import type { SessionStore } from './session-store.ts'

export interface StartServicesOptions {
  sessions: SessionStore
  /** Each human-readable start-up step ("initialising database cluster (first run)…", "ready"). */
  onProgress?: (step: string) => void
  /** Seed the demo tenants when this start created the embedded cluster (DESIGN: the app's first run). */
  seedDemoOnFirstRun?: boolean
  /**
   * Also run the local HTTP server (tenant API + browser console) on 127.0.0.1,
   * so the app's Requests panel has a real tenant API to talk to.
   */
  localServer?: { rendererDir: string; port: number; onRequestLogged?: (entry: ApiRequestLogEntry) => void }
}

export interface StartedServices {
  services: ContractServices
  /** The local server, when one was asked for and could start. */
  server?: SchemataServer
  /** Closes the pool and stops the embedded server if this process started it. */
  shutdown(): Promise<void>
}

/**
 * The app's start-up behind the contract: open the database (initdb on a first
 * run), apply pending migrations, and on a first embedded run add the demo
 * tenants. An external database (DATABASE_URL) is never seeded.
 */
export async function startContractServices(target: DatabaseTarget, options: StartServicesOptions): Promise<StartedServices> {
  const progress = options.onProgress ?? (() => undefined)
  const firstRun =
    options.seedDemoOnFirstRun === true &&
    target.mode === 'embedded' &&
    target.dataDir !== undefined &&
    !(await embeddedStatus(target.dataDir)).initialised
  const app = await bootstrapApp(target, { onProgress: progress })
  if (firstRun) {
    progress('adding the demo tenants…')
    try {
      await seedDemo(app.tenancy)
    } catch (error) {
      // The database itself is fine; the console opens without the demo rather than not at all.
      console.error('[schemata] could not add the demo tenants:', error)
    }
    progress('ready')
  }
  const base: ContractServices = { tenancy: app.tenancy, target, sessions: options.sessions }
  if (!options.localServer) return { services: base, shutdown: () => app.shutdown() }
  try {
    const local = await startLocalServer(base, options.localServer)
    return {
      services: local.services,
      server: local.server,
      async shutdown() {
        await local.server.close()
        await app.shutdown()
      },
    }
  } catch (error) {
    // The console works without it; only the Requests panel says the tenant API is not running.
    console.error('[schemata] the local tenant API server could not start:', error)
    return { services: base, shutdown: () => app.shutdown() }
  }
}
