import { writeFile } from 'node:fs/promises'
import { USAGE, parseBenchArgs } from './options.ts'
import { formatCliStartup, formatReport } from './report.ts'
import { runBench, statsBenchDataDir } from './runner.ts'
import { benchCliStartup } from './scenarios/cli-startup.ts'
import type { BenchReport } from './targets.ts'
import { defaultBenchDataDir, destroyBenchServer } from './server.ts'
import { round3 } from './stats.ts'

/** The CLI start-up's own server, beside the main one. */
function cliBenchDataDir(dataDir: string): string {
  return `${dataDir}-cli`
}

/** `npm run bench`: progress on stderr; the report (or, with --json, one JSON line) on stdout. */
async function main(argv: readonly string[]): Promise<number> {
  let options
  try {
    options = parseBenchArgs(argv)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }

  const dataDir = defaultBenchDataDir()
  // The embedded server is detached and would outlive an interrupted run: stop it and remove its data.
  let interrupting = false
  const interrupted = (signal: NodeJS.Signals): void => {
    if (interrupting) return
    interrupting = true
    process.stderr.write(`\n${signal}: stopping the bench server\n`)
    // Connections die with the server now; their errors must not end the process before the directory is gone.
    process.on('uncaughtException', (error) => process.stderr.write(`bench: after ${signal}: ${error.message}\n`))
    void Promise.allSettled([
      destroyBenchServer(dataDir),
      destroyBenchServer(statsBenchDataDir(dataDir)),
      destroyBenchServer(`${statsBenchDataDir(dataDir)}-off`),
      destroyBenchServer(cliBenchDataDir(dataDir)),
    ]).finally(() => process.exit(130))
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)

  const started = performance.now()
  const onProgress = (message: string): void => {
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`)
  }
  if (options.cliOnly) {
    const cliStartup = await benchCliStartup({ dataDir: cliBenchDataDir(dataDir), runs: options.cliRuns, warmupRuns: 2, progress: onProgress })
    if (options.out !== undefined) await writeFile(options.out, `${JSON.stringify({ cliStartup }, null, 2)}\n`)
    process.stdout.write(options.json ? `${JSON.stringify({ cliStartup })}\n` : `${formatCliStartup(cliStartup)}\n`)
    return 0
  }
  const core = await runBench({
    tenants: options.tenants,
    iterations: options.iterations,
    trace: options.trace,
    browser: { tenants: options.browserTenants, tables: options.browserTables, rows: options.browserRows },
    dataDir,
    onProgress,
  })
  // Processes, not calls: it runs after the rest, on a server of its own, so nothing else runs beside it.
  const cliStartup = await benchCliStartup({ dataDir: cliBenchDataDir(dataDir), runs: options.cliRuns, warmupRuns: 2, progress: onProgress })
  const result: BenchReport = { ...core, cliStartup }
  result.run.totalMs = round3(performance.now() - started)
  const json = JSON.stringify(result)
  if (options.out !== undefined) await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`)
  process.stdout.write(options.json ? `${json}\n` : `${formatReport(result)}\n`)
  return 0
}

process.exitCode = await main(process.argv.slice(2))
