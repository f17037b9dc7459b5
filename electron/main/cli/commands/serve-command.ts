import { fileURLToPath } from 'node:url'
import { type RunningApp, startApp } from '../../app/start-app.ts'
import type { SupervisorEvent } from '../../db/embedded-supervisor.ts'
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
  let app: RunningApp
  try {
    app = await startApp({
      target: context.target,
      server: { rendererDir: RENDERER_DIR, port },
      onProgress: (step) => io.err(step),
      onDatabaseEvent: (event) => io.err(describeDatabaseEvent(event)),
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${port} is already in use (choose another with --port, or --port 0 for any free one)`, { cause: error })
    }
    throw error
  }
  const { server } = app
  if (server === undefined) throw new Error('the local server did not start')
  const stopping = untilStopSignal()
  io.out(`Console: ${server.consoleUrl}`)
  io.out(`Tenant API: http://<schema>.localhost:${server.port}/api/tenant (or a tenant's domain, or any host with X-Tenant: <schema>)`)
  io.err('serving on 127.0.0.1; press Ctrl+C to stop')
  const signal = await stopping
  io.err(`${signal}: stopping…`)
  await app.stop()
  io.err('stopped')
  return 0
}

/** One stderr line for what the embedded-server supervisor saw. */
function describeDatabaseEvent(event: SupervisorEvent): string {
  if (event.type === 'down') return `PostgreSQL stopped unexpectedly (data: ${event.dataDir}); restarting it…`
  if (event.type === 'restarted') return `PostgreSQL restarted on port ${event.port} after ${event.downMs} ms; committed data recovered from its WAL`
  return `PostgreSQL could not be restarted yet: ${event.message}`
}
