/**
 * What one sample of the console's Activity view costs (issue 15): the
 * statements a background sample sends and how long each takes, at N tenants
 * with pg_stat_statements filled by a few scoped reads per tenant. Sizes are
 * timed apart: the monitor reads them far less often than the counters.
 *
 *   node --import tsx bench/activity-sample.ts [--n 1000] [--samples 30] [--json]
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { ActivityMonitor } from '../electron/main/activity/activity-monitor.ts'
import { readTenantSizes } from '../electron/main/activity/tenant-sizes.ts'
import { Database } from '../electron/main/db/database.ts'
import { embeddedSuperuserUrl } from '../electron/main/db/embedded-server.ts'
import { installStatementStats } from '../electron/main/db/statement-stats-setup.ts'
import { builtinConfigPath } from '../electron/main/project/find-config.ts'
import { loadProject } from '../electron/main/project/load-project.ts'
import { Tenancy } from '../electron/main/tenancy/service.ts'
import { defaultBenchDataDir, destroyBenchServer, startBenchServer } from './server.ts'
import { round3, summarize } from './stats.ts'

const { values } = parseArgs({ options: { n: { type: 'string' }, samples: { type: 'string' }, json: { type: 'boolean' } } })
const N = Number(values.n ?? 1000)
const SAMPLES = Number(values.samples ?? 30)
const log = (message: string) => process.stderr.write(`[activity-sample bench] ${message}\n`)

/** Every pg query of this process while `recording`, with its first line and duration. */
const recorded: { text: string; ms: number }[] = []
let recording = false
{
  type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown
  const proto = pg.Client.prototype as unknown as { query: QueryFn }
  const original = proto.query
  proto.query = function timedQuery(this: pg.Client, ...args: unknown[]): unknown {
    if (!recording) return original.apply(this, args)
    const first = args[0]
    const config = first as { text?: unknown } | null
    const text = typeof first === 'string' ? first : typeof config?.text === 'string' ? config.text : '?'
    const entry = { text: text.replace(/\s+/g, ' ').trim().slice(0, 90), ms: Number.NaN }
    recorded.push(entry)
    const started = performance.now()
    const last = args[args.length - 1]
    if (typeof last === 'function') {
      const callback = last as (...results: unknown[]) => unknown
      args[args.length - 1] = (...results: unknown[]): unknown => {
        entry.ms = performance.now() - started
        return callback(...results)
      }
      return original.apply(this, args)
    }
    const result = original.apply(this, args)
    if (result instanceof Promise) void result.finally(() => (entry.ms = performance.now() - started)).catch(() => undefined)
    return result
  }
}

const dataDir = `${defaultBenchDataDir()}-activity-sample`
const server = await startBenchServer(dataDir)
const result: Record<string, unknown> = { tenants: N, samples: SAMPLES, postgres: server.serverVersion }
try {
  const url = await server.createDatabase('activity_sample_bench')
  await installStatementStats(await embeddedSuperuserUrl(dataDir, 'activity_sample_bench'))
  const db = new Database({ url, mode: 'embedded' })
  const tenancy = new Tenancy(db, { project: await loadProject(builtinConfigPath(), { builtin: true }) })
  await tenancy.migrate({ shared: true })
  log(`creating ${N} tenants`)
  const schemas = Array.from({ length: N }, (_, i) => `t${String(i).padStart(5, '0')}`)
  for (const [i, schema] of schemas.entries()) {
    await tenancy.createTenant({ name: `Tenant ${i}`, schema })
    if ((i + 1) % 200 === 0) log(`  ${i + 1}`)
  }
  log('a few scoped reads per tenant, so pg_stat_statements has entries for every tenant role')
  for (const schema of schemas) {
    await tenancy.withTenant(schema, () => tenancy.models.Customer.findAll({ where: { name: 'x' } }))
    await tenancy.withTenant(schema, () => tenancy.models.Customer.count())
  }
  const [entries] = await db.rows<{ n: number }>('SELECT count(*)::int AS n FROM schemata_stats.pg_stat_statements(false)')
  result.statementEntries = entries?.n

  // Sizes: what a due size read costs (the monitor does it at most every 30 s, in the background).
  const sizeMs: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    await readTenantSizes(db)
    sizeMs.push(performance.now() - t0)
  }
  result.sizeReadMs = round3(summarize(sizeMs).p50)

  // The monitor's background sample, as it runs every 2 s while the view is open (sizes not due).
  const monitor = new ActivityMonitor(db, { sizesEveryMs: 3_600_000 })
  await monitor.sampleNow()
  const perSample: number[] = []
  const perStatement = new Map<string, number[]>()
  let statements = 0
  for (let i = 0; i < SAMPLES; i++) {
    recorded.length = 0
    recording = true
    const t0 = performance.now()
    await monitor.sampleNow()
    perSample.push(performance.now() - t0)
    recording = false
    statements = recorded.length
    for (const entry of recorded) {
      const list = perStatement.get(entry.text) ?? []
      list.push(entry.ms)
      perStatement.set(entry.text, list)
    }
  }
  monitor.stop()
  result.statementsPerSample = statements
  result.sampleP50Ms = round3(summarize(perSample).p50)
  result.sampleP95Ms = round3(summarize(perSample).p95)
  result.statements = [...perStatement].map(([text, ms]) => ({ text, p50Ms: round3(summarize(ms).p50) }))
  log(`N=${N}: ${statements} statement(s) per sample, p50 ${String(result.sampleP50Ms)} ms; size read ${String(result.sizeReadMs)} ms; ${String(entries?.n)} pg_stat_statements entries`)
  await tenancy.close()
} finally {
  await destroyBenchServer(dataDir)
}
process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`)
