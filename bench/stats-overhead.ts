/**
 * The statement-statistics overhead scenario alone (issue 15), without the rest
 * of `npm run bench`: two embedded servers of its own (without and with
 * pg_stat_statements), the tenant API under load, off/on/watched in shuffled
 * rounds. Prints the table, then the JSON object.
 *
 *   node --import tsx bench/stats-overhead.ts [--rounds 15] [--requests 1000] [--warmup 100] [--json]
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import { statsOverheadTable } from './report.ts'
import { STATS_OVERHEAD_DEFAULTS, benchStatsOverhead } from './scenarios/statement-stats-overhead.ts'
import { defaultBenchDataDir, destroyBenchServer } from './server.ts'

const { values } = parseArgs({
  options: { rounds: { type: 'string' }, requests: { type: 'string' }, warmup: { type: 'string' }, json: { type: 'boolean' } },
})
const dataDir = `${defaultBenchDataDir()}-stats`
const interrupted = (signal: NodeJS.Signals): void => {
  process.stderr.write(`\n${signal}: stopping the bench servers\n`)
  void Promise.allSettled([destroyBenchServer(dataDir), destroyBenchServer(`${dataDir}-off`)]).finally(() => process.exit(130))
}
process.once('SIGINT', interrupted)
process.once('SIGTERM', interrupted)

const started = performance.now()
const loadAverageStart = os.loadavg()[0] ?? 0
const result = await benchStatsOverhead({
  dataDir,
  rounds: Number(values.rounds ?? STATS_OVERHEAD_DEFAULTS.rounds),
  requests: Number(values.requests ?? STATS_OVERHEAD_DEFAULTS.requests),
  warmupRequests: Number(values.warmup ?? STATS_OVERHEAD_DEFAULTS.warmupRequests),
  tenants: 20,
  inFlight: 50,
  progress: (message) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`),
})
const run = { totalMs: Math.round(performance.now() - started), loadAverageStart, loadAverageEnd: os.loadavg()[0] ?? 0, cpus: os.availableParallelism() }
if (!values.json) process.stdout.write(`${statsOverheadTable(result)}\n\nload average ${run.loadAverageStart.toFixed(2)} → ${run.loadAverageEnd.toFixed(2)} on ${run.cpus} CPUs, ${(run.totalMs / 1000).toFixed(0)} s\n`)
process.stdout.write(`${JSON.stringify({ run, ...result })}\n`)
