/**
 * `schemata migrate --plan` at fleet size (issue 15): the time to plan a
 * staged run of N tenants — the registry and the central ledger read in one
 * query, pending migrations, order, canary and waves, estimates from a past
 * run's N tenant outcomes — in-process, median and p95 of RUNS. The fleet is
 * made as registry rows and central-ledger rows (one migration behind), which
 * is all a plan reads; no schema is needed for it.
 *
 *   node --import tsx bench/rollout-plan.ts [--n 10000] [--runs 20] [--json]
 *   (heavy: /work/tools/heavy.sh …)
 */
import { parseArgs } from 'node:util'
import { Database } from '../electron/main/db/database.ts'
import { builtinConfigPath } from '../electron/main/project/find-config.ts'
import { loadProject } from '../electron/main/project/load-project.ts'
import { planRollout } from '../electron/main/rollout/plan-rollout.ts'
import { Tenancy } from '../electron/main/tenancy/service.ts'
import { defaultBenchDataDir, destroyBenchServer, startBenchServer } from './server.ts'
import { summarize } from './stats.ts'

const { values } = parseArgs({ options: { n: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' } } })
const N = Number(values.n ?? 10_000)
const RUNS = Number(values.runs ?? 20)
const log = (message: string) => process.stderr.write(`[rollout-plan bench] ${message}\n`)

const dataDir = `${defaultBenchDataDir()}-rollout-plan`
const server = await startBenchServer(dataDir)
const result: Record<string, unknown> = { tenants: N, runs: RUNS, postgres: server.serverVersion }
try {
  const url = await server.createDatabase('rollout_plan_bench')
  const db = new Database({ url, mode: 'external', poolMax: 4 })
  const tenancy = new Tenancy(db, { project: await loadProject(builtinConfigPath(), { builtin: true }) })
  await tenancy.migrate({ shared: true })
  const names = tenancy.migrations.tenant.map((m) => m.name)
  const applied = names.slice(0, -1)
  log(`${N} tenants, each with ${applied.length} of ${names.length} migrations applied; one past run of ${N} outcomes`)
  await db.exec(`INSERT INTO public.tenants (name, schema, role, type) SELECT 'Tenant ' || i, 't' || lpad(i::text, 6, '0'), 'bench_role_' || i, 'standard' FROM generate_series(1, $1) AS i`, [N])
  await db.exec('INSERT INTO public.tenant_migrations (schema, name) SELECT t.schema, m FROM public.tenants t, unnest($1::text[]) AS m', [applied])
  // History for the estimates: one finished run whose N tenants each took a few ms.
  await db.exec(
    `WITH run AS (INSERT INTO public.schemata_runs (status, finished_at, started_by, options, plan) VALUES ('completed', now(), '{}', '{}', '{}') RETURNING id)
     INSERT INTO public.schemata_run_tenants (run_id, schema, stage, position, pending, status, attempts, duration_ms, applied)
       SELECT run.id, 'p' || i, 0, i, ARRAY[$2], 'migrated', 1, 2 + (i % 7), ARRAY[$2] FROM run, generate_series(1, $1) AS i`,
    [N, names.at(-1)],
  )
  await db.exec('ANALYZE public.tenants; ANALYZE public.tenant_migrations; ANALYZE public.schemata_run_tenants')
  const options = { order: 'name' as const, canary: { count: 5 }, wave: 500, maxFailures: 1, pauseBetweenMs: 0, lockTimeoutMs: 5000, lockRetries: 2, atomic: false, concurrency: 4 }
  // Warm-up (connections, plan caches), then the timed runs.
  await planRollout(db, tenancy.migrations, options)
  const samples: number[] = []
  let stages = 0
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    const { plan } = await planRollout(db, tenancy.migrations, options)
    samples.push(performance.now() - start)
    stages = plan.stages.length
    if (plan.counts.toMigrate !== N) throw new Error(`planned ${plan.counts.toMigrate} tenants, not ${N}`)
  }
  const s = summarize(samples)
  result.plan = { p50Ms: s.p50, p95Ms: s.p95, minMs: Math.min(...samples), stages }
  log(`plan of ${N} tenants: p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (${stages} stages)`)
  await db.close()
} finally {
  await destroyBenchServer(dataDir)
}
process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`)
