import { rm } from 'node:fs/promises'
import { activityMonitorFor } from '../../electron/main/activity/activity-monitor.ts'
import { hashPassword } from '../../electron/main/auth/password.ts'
import { signApiToken, tokenSecretFrom } from '../../electron/main/auth/api-token.ts'
import { Database } from '../../electron/main/db/database.ts'
import { embeddedSuperuserUrl, startEmbedded, stopEmbedded } from '../../electron/main/db/embedded-server.ts'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import { installStatementStats } from '../../electron/main/db/statement-stats-setup.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { RequestLog, createSchemataServer } from '../../electron/main/server/index.ts'
import { builtinConfigPath } from '../../electron/main/project/find-config.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { runApiLoad } from '../api-load.ts'
import { connectPlain } from '../pg-client.ts'
import { round3, summarize } from '../stats.ts'

/*
 * What per-tenant statistics cost the tenant API: the same load against the
 * same database with pg_stat_statements not loaded ("off"), loaded ("on"), and
 * loaded while the console's Activity view samples every 2 s ("watched").
 * "Off" is a server started without the library, not a setting turned down:
 * that is what a user without statistics runs. The sides alternate on one
 * server (restarted when the library changes), in rounds off-on-watched then
 * watched-on-off, so drift on this shared machine falls on both sides; the
 * cost is the median over rounds of each round's paired ratio.
 */

export interface StatsOverheadOptions {
  /** Its own data directory (deleted at the end): the main bench server is not restarted under the other scenarios. */
  dataDir: string
  rounds: number
  requests: number
  warmupRequests: number
  tenants: number
  inFlight: number
  progress: (message: string) => void
}

export interface LoadSide {
  /** Each round's throughput, requests/s. */
  runs: number[]
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
}

export interface StatsOverheadResult {
  tenants: number
  inFlight: number
  requestsPerRun: number
  rounds: number
  off: LoadSide
  on: LoadSide
  watched: LoadSide
  /** 1 − on/off throughput (median of the rounds' paired ratios); negative when "on" was faster. */
  throughputOverhead: number
  /** The same with the Activity view sampling. */
  watchedThroughputOverhead: number
}

type Side = 'off' | 'on' | 'watched'

const CUSTOMERS = 5
const noDispatch: Dispatch = () => Promise.resolve<CallOutcome>({ ok: false, error: { code: 'NOT_FOUND', message: 'no RPC in the bench' } })

function median(values: readonly number[]): number {
  return summarize(values).p50
}

/** The tenant API's throughput with per-tenant statement statistics off, on, and watched. */
export async function benchStatsOverhead(options: StatsOverheadOptions): Promise<StatsOverheadResult> {
  const { progress } = options
  await rm(options.dataDir, { recursive: true, force: true })
  const secret = tokenSecretFrom('bench-stats-overhead-secret')
  const schemas = Array.from({ length: options.tenants }, (_, i) => `api_${String(i).padStart(3, '0')}`)
  const tokens = new Map<string, string>()
  let loaded: boolean | undefined
  let url = ''
  let superuserUrl = ''
  let login = ''

  const serverWith = async (statementStats: boolean): Promise<void> => {
    if (loaded === statementStats) return
    if (loaded !== undefined) await stopEmbedded(options.dataDir)
    const conn = await startEmbedded({ dataDir: options.dataDir, database: 'postgres', statementStats })
    const target = new URL(conn.url)
    target.pathname = '/bench_api'
    url = target.toString()
    // The app's login runs the load; only the set-up below (a database, the extension) takes the superuser.
    superuserUrl = await embeddedSuperuserUrl(options.dataDir, 'bench_api')
    login = conn.user
    loaded = statementStats
  }

  try {
    progress(`statement statistics overhead: ${options.tenants} tenants, tenant API GET /api/customers, ${options.inFlight} in flight`)
    await serverWith(true)
    const admin = await connectPlain(superuserUrl.replace('/bench_api', '/postgres'))
    await admin.query(`CREATE DATABASE ${quoteIdent('bench_api')} OWNER ${quoteIdent(login)}`).finally(() => admin.end())
    await installStatementStats(superuserUrl)
    // The built-in demo, as the CLI and the app load it: the load test reads its customers.
    const project = await loadProject(builtinConfigPath(), { builtin: true })
    const setup = new Tenancy(new Database({ url, mode: 'embedded' }), { project })
    try {
      await setup.migrate({ shared: true })
      const passwordHash = await hashPassword('bench-pw')
      for (const schema of schemas) {
        await setup.createTenant({ name: `API ${schema}`, schema })
        const userId = await setup.withTenant(schema, async () => {
          const user = await setup.models.User.create({ email: 'bench@user.example', passwordHash })
          await setup.models.Customer.bulkCreate(
            Array.from({ length: CUSTOMERS }, (_, i) => ({ name: `${schema} customer ${i}`, email: `c${i}@${schema}.example` })),
          )
          return user.id
        })
        const [tenant] = await setup.db.rows<{ id: string }>('SELECT id::text AS id FROM public.tenants WHERE schema = $1', [schema])
        const now = Math.floor(Date.now() / 1000)
        tokens.set(
          schema,
          await signApiToken(secret, {
            tenant: schema,
            tenantId: tenant?.id ?? '',
            userId,
            email: 'bench@user.example',
            version: 0,
            issuedAt: now,
            exp: now + 86_400,
          }),
        )
      }
    } finally {
      await setup.close()
    }

    const runs: Record<Side, { rps: number; latencies: number[] }[]> = { off: [], on: [], watched: [] }
    for (let round = 0; round < options.rounds; round++) {
      const order: Side[] = round % 2 === 0 ? ['off', 'on', 'watched'] : ['watched', 'on', 'off']
      for (const side of order) {
        await serverWith(side !== 'off')
        const tenancy = new Tenancy(new Database({ url, mode: 'embedded' }), { project })
        const server = await createSchemataServer({
          tenancy,
          dispatch: noDispatch,
          rendererDir: '/nonexistent',
          port: 0,
          tokenSecret: secret,
          requestLog: new RequestLog(),
        })
        const monitor = side === 'watched' ? activityMonitorFor(tenancy.db) : undefined
        try {
          const target = { port: server.port, tokens, rowsPerTenant: CUSTOMERS }
          await runApiLoad(target, options.warmupRequests, options.inFlight)
          // The view asks once; the monitor then samples every 2 s for as long as it is watched.
          await monitor?.overview({ rankBy: 'time', windowMs: 300_000, noisyShare: 0.5, limit: 100 })
          const run = await runApiLoad(target, options.requests, options.inFlight)
          runs[side].push({ rps: run.requestsPerSecond, latencies: run.latenciesMs })
          progress(`  round ${round + 1}/${options.rounds} ${side.padEnd(7)} ${run.requestsPerSecond.toFixed(0)} req/s`)
        } finally {
          monitor?.stop()
          await server.close()
          await tenancy.close()
        }
      }
    }

    const sideOf = (side: Side): LoadSide => {
      const latencies = summarize(runs[side].flatMap((run) => run.latencies))
      return {
        runs: runs[side].map((run) => round3(run.rps)),
        requestsPerSecond: round3(median(runs[side].map((run) => run.rps))),
        p50Ms: round3(latencies.p50),
        p99Ms: round3(latencies.p99),
      }
    }
    const pairedCost = (side: Side): number =>
      round3(1 - median(runs[side].map((run, i) => run.rps / (runs.off[i]?.rps ?? Number.NaN))))
    return {
      tenants: options.tenants,
      inFlight: options.inFlight,
      requestsPerRun: options.requests,
      rounds: options.rounds,
      off: sideOf('off'),
      on: sideOf('on'),
      watched: sideOf('watched'),
      throughputOverhead: pairedCost('on'),
      watchedThroughputOverhead: pairedCost('watched'),
    }
  } finally {
    await stopEmbedded(options.dataDir).catch(() => false)
    await rm(options.dataDir, { recursive: true, force: true })
  }
}
