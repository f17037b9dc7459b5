import { homedir } from 'node:os'
import path from 'node:path'
import { type RunningApp, startApp } from '../../app/start-app.ts'
import { defaultDataDir } from '../../db/data-dir.ts'
import type { SupervisorEvent } from '../../db/embedded-supervisor.ts'
import { portUnavailable } from '../../db/free-port.ts'
import { builtinConfigPath } from '../../project/find-config.ts'
import type { CliContext } from '../cli-context.ts'
import { openInBrowser } from '../open-browser.ts'
import { SERVE_FLAGS } from '../command-table.ts'
import { intFlag, parseFlags } from '../parse-args.ts'

/** The built renderer, beside Schemata's package.json (found the same way from the sources and from out/cli). */
const rendererDir = (): string => path.join(path.dirname(builtinConfigPath()), 'out', 'renderer')

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

const IN_USE = (port: number): string => `port ${port} is already in use on 127.0.0.1 (choose another with --port, or --port 0 for any free one)`

/** Refuses a port that is taken before the database is started, so a clash costs no start-up. */
async function assertPortAvailable(port: number): Promise<void> {
  if (port === 0) return
  const problem = await portUnavailable(port)
  // Not invalid input (exit 1, not 2): the same command works once the port is free.
  if (problem === 'EADDRINUSE') throw new Error(IN_USE(port))
  if (problem !== undefined) throw new Error(`cannot listen on 127.0.0.1:${port} (${problem}); choose another with --port`)
}

/**
 * `schemata serve [--port 4780] [--open] [--new-token] [--new-api-secret]`:
 * the admin console and the tenant API on 127.0.0.1 until SIGINT/SIGTERM. The
 * first stdout line is the console URL with its token, which stays the same
 * across restarts of the same data directory (`--new-token` makes a new one);
 * so does the tenant API's signing secret (`--new-api-secret` signs every API
 * user out). `--port 0` picks a free port; `--open` opens it in the default browser. A fresh embedded database gets the demo tenants
 * (SCHEMATA_DEMO=off skips them), as the app's first run does.
 */
export async function serveCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, SERVE_FLAGS)
  const port = intFlag(values, 'port', 0, 65535) ?? DEFAULT_PORT
  const { io } = context
  await assertPortAvailable(port)
  let app: RunningApp
  try {
    app = await startApp({
      target: context.target,
      project: context.project,
      // The demo tenants belong to the demo project; another project's tables are its own.
      seedDemoOnFirstRun: context.project.builtin && context.env.SCHEMATA_DEMO !== 'off',
      server: {
        rendererDir: rendererDir(),
        port,
        // Kept across restarts: an open console tab and signed-in API users stay in.
        secretsDir: context.target.dataDir ?? defaultDataDir({ env: context.env, platform: process.platform, homedir: homedir() }),
        rotate: { newConsoleToken: values['new-token'] === true, newTokenSecret: values['new-api-secret'] === true },
      },
      onProgress: (step) => io.err(step),
      onDatabaseEvent: (event) => io.err(describeDatabaseEvent(event)),
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      // Taken between the check above and the listen.
      throw new Error(IN_USE(port), { cause: error })
    }
    throw error
  }
  const { server } = app
  if (server === undefined) throw new Error('the local server did not start')
  const stopping = untilStopSignal()
  const tenantApi = `http://<schema>.localhost:${server.port}/api/tenant`
  if (values.json) io.out(JSON.stringify({ console: server.consoleUrl, port: server.port, tenantApi }))
  else {
    io.out(`Console: ${server.consoleUrl}`)
    io.out(`Tenant API: ${tenantApi} (or a tenant's domain, or any host with X-Tenant: <schema>)`)
  }
  io.err('serving on 127.0.0.1; press Ctrl+C to stop')
  if (values.open) {
    void openInBrowser(server.consoleUrl, context.env).then((problem) => {
      if (problem !== undefined) io.err(`could not open a browser (${problem}): open the Console URL above yourself`)
    })
  }
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
