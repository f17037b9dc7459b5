import { fileURLToPath } from 'node:url'
import { bootstrapApp } from '../../app/bootstrap.ts'
import { SessionStore } from '../../handlers/session-store.ts'
import { offlineDbStatus } from '../../handlers/db-handlers.ts'
import type { SchemataServer } from '../../server/index.ts'
import { startLocalServer } from '../../server/start-local-server.ts'
import type { CliContext } from '../cli-context.ts'
import { intFlag, parseFlags } from '../parse-args.ts'

/** The built renderer, relative to this source file (the CLI runs from source through tsx). */
const RENDERER_DIR = fileURLToPath(new URL('../../../../out/renderer', import.meta.url))

const DEFAULT_PORT = 4780

/** Resolves on the first SIGINT or SIGTERM; a second one gets Node's default (immediate exit). */
function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

/**
 * `schemata serve [--port 4780]`: the admin console and the tenant API on
 * 127.0.0.1 until SIGINT/SIGTERM. The first stdout line is the console URL
 * with this run's token; `--port 0` picks a free port.
 */
export async function serveCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, { port: { type: 'string' } })
  const port = intFlag(values, 'port', 0, 65535) ?? DEFAULT_PORT
  const { io } = context
  let broadcast: SchemataServer['broadcast'] | undefined
  const app = await bootstrapApp(context.target, {
    onProgress: (step) => io.err(step),
    keepDatabaseRunning: false,
    onDatabaseEvent: (event) => {
      if (event.type === 'down') io.err(`PostgreSQL stopped unexpectedly (data: ${event.dataDir}); restarting it…`)
      else if (event.type === 'restarted') io.err(`PostgreSQL restarted on port ${event.port} after ${event.downMs} ms; committed data recovered from its WAL`)
      else io.err(`PostgreSQL could not be restarted yet: ${event.message}`)
      broadcast?.('db/status', {
        ...offlineDbStatus(context.target, event.type === 'restart-failed' ? event.message : undefined),
        running: event.type === 'restarted',
      })
    },
  })
  let server: SchemataServer
  try {
    const local = await startLocalServer(
      { tenancy: app.tenancy, target: app.target, sessions: new SessionStore() },
      { rendererDir: RENDERER_DIR, port },
    )
    server = local.server
    broadcast = server.broadcast
  } catch (error) {
    await app.shutdown()
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${port} is already in use (choose another with --port, or --port 0 for any free one)`, { cause: error })
    }
    throw error
  }
  const stopping = untilStopSignal()
  io.out(`Console: ${server.consoleUrl}`)
  io.out(`Tenant API: http://<schema>.localhost:${server.port}/api/tenant (or a tenant's domain, or any host with X-Tenant: <schema>)`)
  io.err('serving on 127.0.0.1; press Ctrl+C to stop')
  const signal = await stopping
  io.err(`${signal}: stopping…`)
  try {
    await server.close()
  } finally {
    await app.shutdown()
  }
  io.err('stopped')
  return 0
}
