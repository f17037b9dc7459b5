import type { ApiRequestLogEntry, DbStatus } from '../../../contract/types.ts'
import { connect, type Connection, type DatabaseTarget } from '../db/connect.ts'
import { embeddedStatus } from '../db/embedded-server.ts'
import { type EmbeddedSupervisor, type SupervisorEvent, superviseEmbedded } from '../db/embedded-supervisor.ts'
import { seedDemo } from '../demo/demo-data.ts'
import { HealthProbe, healthTimeoutFromEnvironment } from '../db/health-probe.ts'
import { offlineDbStatus, readDbStatus, readDbStatusWithHealth } from '../handlers/db-handlers.ts'
import { createDispatcher } from '../handlers/dispatcher.ts'
import type { Dispatch } from '../handlers/dispatch-types.ts'
import type { ContractServices } from '../handlers/handler-types.ts'
import { SessionStore } from '../handlers/session-store.ts'
import { type SchemataServer, createSchemataServer } from '../server/create-server.ts'
import { builtinConfigPath } from '../project/find-config.ts'
import { loadProject } from '../project/load-project.ts'
import type { Project } from '../project/project.ts'
import { Tenancy } from '../tenancy/service.ts'
import { MigrationFailedError } from '../errors.ts'
import { type LoadServerSecretsOptions, loadServerSecrets } from '../server/server-secrets.ts'

/** What to start; everything but `target` has a default that suits `schemata serve`. */
export interface StartAppOptions {
  /** The database: the embedded server of a data directory, or an external one (DATABASE_URL). */
  target: DatabaseTarget
  /** What this process is, as `schemata db stop` names it while it uses the embedded server. Default: `schemata serve`. */
  label?: string
  /** The project (loadProject): its migrations, tenant types and routing. Default: the built-in demo. */
  project?: Project
  /** The windows' (or tabs') sessions; pass the store the transport already uses. Default: a new one. */
  sessions?: SessionStore
  /** Add the demo tenants when this start created the embedded cluster (the app's first run). Default: no. */
  seedDemoOnFirstRun?: boolean
  /** The local HTTP server (browser console + tenant API) on 127.0.0.1. Default: none. */
  server?: LocalServerOptions
  /** Each human-readable start-up step ("initialising database cluster (first run)…", …, "ready"). */
  onProgress?: (step: string) => void
  /**
   * The database status whenever it changes after start-up: the embedded
   * server died, was restarted or cannot be restarted. The local server's tabs
   * get the same `db/status` events; this is for the app's own windows.
   */
  onDbStatus?: (status: DbStatus) => void
  /** The embedded-server supervisor's events as they happen, for logs. */
  onDatabaseEvent?: (event: SupervisorEvent) => void
  /** Each tenant API request the local server logged (its own tabs get them already). */
  onRequestLogged?: (entry: ApiRequestLogEntry) => void
  /**
   * The health probe (db/health-probe.ts): how often and how long before a
   * silent database counts as not responding. Default: every 1 s, 3 s
   * (SCHEMATA_HEALTH_TIMEOUT in seconds overrides the timeout).
   */
  health?: { intervalMs?: number; timeoutMs?: number }
  /** Something went wrong that the start carries on without (demo seeding, an optional server). Default: stderr. */
  onWarning?: (message: string, error: unknown) => void
}

export interface LocalServerOptions {
  /** 0 picks a free port. */
  port: number
  /** The built renderer (`out/renderer`). */
  rendererDir: string
  /**
   * Start without the server if it cannot listen (the desktop app: only its
   * Requests panel misses it). Default: the whole start fails (`serve`).
   */
  optional?: boolean
  /**
   * Where the console token and the tenant API's signing secret are kept
   * across restarts (`server-secrets.json`, 0600): the data directory.
   * Default: fresh ones for this run only.
   */
  secretsDir?: string
  /** Rotate the console token (`serve --new-token`) or the API signing secret (`serve --new-api-secret`). */
  rotate?: LoadServerSecretsOptions
}

/** A started app: the core, the contract over it, and the local server if one runs. */
export interface RunningApp {
  readonly target: DatabaseTarget
  readonly tenancy: Tenancy
  /** What the contract handlers run against (with the Requests panel wired to the local server). */
  readonly services: ContractServices
  /** The contract entry point for a transport (IPC): the local server uses the same one. */
  readonly dispatch: Dispatch
  /** The local server; undefined when none was asked for, or an optional one could not start. */
  readonly server: SchemataServer | undefined
  /** The database status now (what `db/status` answers); never throws. */
  dbStatus(): Promise<DbStatus>
  /**
   * Stops everything this start started, in reverse order: the server (running
   * requests finish), the supervisor, the registry listener, the pool, and the
   * embedded server if this process launched it. Safe to call twice.
   */
  stop(): Promise<void>
}

function defaultWarning(message: string, error: unknown): void {
  console.error(`[schemata] ${message}:`, error)
}

/**
 * The one start-up of Schemata, shared by the Electron entry and `schemata
 * serve`: open the database (starting the embedded server, initdb on a first
 * run), apply pending migrations, listen for registry changes, watch the
 * embedded server and report its restarts as `db/status`, seed the demo on a
 * first run if asked, and start the local server if asked.
 */
export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const { target } = options
  const progress = options.onProgress ?? (() => undefined)
  const warn = options.onWarning ?? defaultWarning
  const sessions = options.sessions ?? new SessionStore()
  // Checked before anything starts: a bad setting changes nothing.
  const healthTimeoutMs = options.health?.timeoutMs ?? healthTimeoutFromEnvironment(process.env)
  // Loaded and checked before the database is touched.
  const project = options.project ?? (await loadProject(builtinConfigPath(), { builtin: true }))
  const firstRun =
    options.seedDemoOnFirstRun === true &&
    // The demo tenants belong to the demo project; another project's tables are its own.
    project.builtin &&
    target.mode === 'embedded' &&
    target.dataDir !== undefined &&
    !(await embeddedStatus(target.dataDir)).initialised

  const connection = await connect(target, { onProgress: progress, label: options.label ?? 'schemata serve' })
  const tenancy = new Tenancy(connection.db, { project })
  try {
    progress('applying pending migrations…')
    const report = await tenancy.migrate()
    // Tenant code assumes public is current: a failed shared migration is a failed start, named, not a console
    // that opens on a half-migrated public. A tenant that failed is that tenant's problem; the Migrations view shows it.
    const shared = report.shared
    if (shared?.status === 'failed') throw new MigrationFailedError(shared.schema, shared.failedMigration, new Error(shared.message ?? 'failed'))
    const failed = report.tenants.filter((outcome) => outcome.status === 'failed')
    if (failed.length > 0) warn(`${failed.length} of ${report.tenants.length} tenant schemas failed to migrate (${failed.map((outcome) => outcome.schema).join(', ')})`, new Error(failed[0]?.message ?? 'failed'))
    await tenancy.resolver.listen()
    // A long-running process keeps the warm pool (if configured) full in the background.
    tenancy.startPoolKeeper()
  } catch (error) {
    await closeCore(tenancy, connection)
    throw error
  }

  // The server starts last, but the supervisor may report before it does.
  const started: { server?: SchemataServer } = {}
  const publish = (status: DbStatus): void => {
    started.server?.broadcast('db/status', status)
    options.onDbStatus?.(status)
  }
  const supervisor = superviseDatabase(target, tenancy, (event) => {
    options.onDatabaseEvent?.(event)
    void statusAfter(event, target, tenancy).then(publish)
  })

  if (firstRun) {
    progress('adding the demo tenants…')
    try {
      await seedDemo(tenancy)
    } catch (error) {
      // The database itself is fine; the console opens without the demo rather than not at all.
      warn('could not add the demo tenants', error)
    }
  }

  const health = new HealthProbe({
    url: () => tenancy.db.url,
    ...(options.health?.intervalMs === undefined ? {} : { intervalMs: options.health.intervalMs }),
    timeoutMs: healthTimeoutMs,
    onChange: (state) => {
      if (!state.responding) options.onWarning?.('the database stopped responding', new Error(state.reason))
      void readDbStatusWithHealth(target, tenancy.db, health).then(publish)
    },
  })
  health.start()

  const services: ContractServices = { tenancy, target, sessions, health }
  const dispatch = createDispatcher(services)
  if (options.server) {
    try {
      const server = await startLocalServer(tenancy, dispatch, sessions, options.server, options.onRequestLogged)
      started.server = server
      // The Requests panel sends real requests to this server (calls read `services` when they run).
      services.requests = { send: (input) => server.sendTenantApiRequest(input), log: (limit) => server.recentRequests(limit) }
      // Data exports stream from this server as downloads (the desktop app's own windows save through a dialog instead).
      services.exports = server.dataExports
    } catch (error) {
      if (!options.server.optional) {
        await health.stop()
        await supervisor?.stop()
        await closeCore(tenancy, connection)
        throw error
      }
      // The console works without it; only the Requests panel says the tenant API is not running.
      warn('the local tenant API server could not start', error)
    }
  }
  const { server } = started
  progress('ready')

  let stopping: Promise<void> | undefined
  return {
    target,
    tenancy,
    services,
    dispatch,
    server,
    dbStatus: () => readDbStatusWithHealth(target, tenancy.db, health),
    stop() {
      stopping ??= (async () => {
        try {
          await server?.close()
        } finally {
          // Stop watching first, or the supervisor would restart the server we are about to stop.
          await health.stop()
          await supervisor?.stop()
          await closeCore(tenancy, connection)
        }
      })()
      return stopping
    },
  }
}

/** The local HTTP server over `dispatch`, with its request log pushed to its tabs (and to `onLogged`). */
async function startLocalServer(
  tenancy: Tenancy,
  dispatch: Dispatch,
  sessions: SessionStore,
  options: LocalServerOptions,
  onLogged: ((entry: ApiRequestLogEntry) => void) | undefined,
): Promise<SchemataServer> {
  const secrets = options.secretsDir === undefined ? undefined : await loadServerSecrets(options.secretsDir, options.rotate)
  const server = await createSchemataServer({
    tenancy,
    transfers: tenancy,
    dispatch,
    sessions,
    rendererDir: options.rendererDir,
    port: options.port,
    ...(secrets === undefined ? {} : { tokenSecret: secrets.tokenSecret, consoleToken: secrets.consoleToken }),
  })
  server.onRequestLogged((entry) => {
    server.broadcast('requests/logged', entry)
    onLogged?.(entry)
  })
  return server
}

/** Watches an embedded server (an external one is someone else's to run); re-subscribes the resolver after a restart. */
function superviseDatabase(target: DatabaseTarget, tenancy: Tenancy, onEvent: (event: SupervisorEvent) => void): EmbeddedSupervisor | undefined {
  if (target.mode !== 'embedded' || target.dataDir === undefined) return undefined
  return superviseEmbedded(tenancy.db, target.dataDir, (event) => {
    if (event.type === 'restarted') {
      // The LISTEN connection died with the server; subscribe again on the new one.
      void tenancy.resolver
        .close()
        .then(() => tenancy.resolver.listen())
        .catch(() => tenancy.resolver.invalidate())
    }
    onEvent(event)
  })
}

/** The `db/status` a supervisor event means: a restarted server is asked; a dead one is offline. */
function statusAfter(event: SupervisorEvent, target: DatabaseTarget, tenancy: Tenancy): Promise<DbStatus> {
  if (event.type === 'restarted') return readDbStatus(target, tenancy.db)
  return Promise.resolve(offlineDbStatus(target, event.type === 'restart-failed' ? event.message : undefined))
}

async function closeCore(tenancy: Tenancy, connection: Connection): Promise<void> {
  await tenancy.stopPoolKeeper()
  await tenancy.resolver.close()
  await connection.release()
}
