import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { promisify } from 'node:util'
import { activityMonitorFor } from '../../electron/main/activity/activity-monitor.ts'
import { hashPassword } from '../../electron/main/auth/password.ts'
import { signApiToken, tokenSecretFrom } from '../../electron/main/auth/api-token.ts'
import { Database } from '../../electron/main/db/database.ts'
import { embeddedSuperuserUrl, startEmbedded, stopEmbedded } from '../../electron/main/db/embedded-server.ts'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import { STATEMENT_STATS_SCHEMA, installStatementStats } from '../../electron/main/db/statement-stats-setup.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { RequestLog, createSchemataServer } from '../../electron/main/server/index.ts'
import { builtinConfigPath } from '../../electron/main/project/find-config.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'
import type { Project } from '../../electron/main/project/project.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { runApiLoad } from '../api-load.ts'
import { connectPlain } from '../pg-client.ts'
import { percentileOfSorted, round3, summarize } from '../stats.ts'

/*
 * What per-tenant statistics cost the tenant API: the same load against the
 * same kind of database with pg_stat_statements not loaded ("off"), loaded
 * ("on"), and loaded while the console's Activity view is open ("watched":
 * the view asks for the overview every 2 s, as the renderer does, and the
 * monitor samples in the background). "Off" is a server started without the
 * library, not a setting turned down: that is what a user without statistics
 * runs. Two servers run side by side, one without and one with the library,
 * over copies of one data directory, so the sides can alternate without
 * restarts (a restart empties the server's caches, which costs the next side).
 *
 * The machine is shared and its throughput drifts by ±10 % over seconds, more
 * than the 2 % the issue allows. So the runs are short and many: each round
 * runs the three sides once, in a freshly shuffled order, and each round
 * gives a paired ratio (on/off, watched/off, watched/on) taken within
 * seconds. The cost is 1 − the median of those ratios; their quartiles and
 * range say how far one round can be trusted.
 */

export interface StatsOverheadOptions {
  /** Its own data directory, and a sibling `<dataDir>-off` (both deleted at the end): the main bench server is not restarted under the other scenarios. */
  dataDir: string
  rounds: number
  requests: number
  warmupRequests: number
  tenants: number
  inFlight: number
  progress: (message: string) => void
  /** Shuffles the order of a round's sides (default Math.random; a seeded one replays an order). */
  random?: () => number
}

export interface LoadSide {
  /** Each round's throughput, requests/s. */
  runs: number[]
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
}

/** One paired ratio over the rounds: its median, quartiles and range. */
export interface PairedRatio {
  median: number
  p25: number
  p75: number
  min: number
  max: number
}

export interface StatsOverheadResult {
  tenants: number
  inFlight: number
  requestsPerRun: number
  rounds: number
  off: LoadSide
  on: LoadSide
  watched: LoadSide
  /** Each round's throughput ratio of one side to another, taken within the round. */
  ratios: { onToOff: PairedRatio; watchedToOff: PairedRatio; watchedToOn: PairedRatio }
  /** 1 − on/off throughput (median of the rounds' paired ratios); negative when "on" was faster. */
  throughputOverhead: number
  /** The same with the Activity view open. */
  watchedThroughputOverhead: number
  /** 1 − watched/on: what the view's sampling adds to the statistics themselves. */
  samplingThroughputOverhead: number
  /**
   * The view's samples as the server saw them (pg_stat_statements' entry of the
   * sample statement, all watched runs): a cost that the machine's noise does
   * not blur. `shareOfOneCore` = server time per sample ÷ the 2 s interval.
   */
  sampling: { samples: number; serverMsPerSample: number; shareOfOneCore: number }
}

type Side = 'off' | 'on' | 'watched'

/** Many short rounds rather than a few long ones: 15 × 3 runs of 1,000 requests, about as long as the 3 × 3 runs of 3,000 before. */
export const STATS_OVERHEAD_DEFAULTS = { rounds: 15, requests: 1000, warmupRequests: 100 } as const

const CUSTOMERS = 5
/** How often the Activity view asks for the overview (renderer/src/views/activity-view.tsx, REFRESH_MS). */
const VIEW_REFRESH_MS = 2000
const OVERVIEW_QUERY = { rankBy: 'time', windowMs: 300_000, noisyShare: 0.5, limit: 100 } as const
const noDispatch: Dispatch = () => Promise.resolve<CallOutcome>({ ok: false, error: { code: 'NOT_FOUND', message: 'no RPC in the bench' } })

function median(values: readonly number[]): number {
  return summarize(values).p50
}

function pairedRatio(ratios: readonly number[]): PairedRatio {
  const sorted = [...ratios].sort((a, b) => a - b)
  return {
    median: round3(median(sorted)),
    p25: round3(percentileOfSorted(sorted, 25)),
    p75: round3(percentileOfSorted(sorted, 75)),
    min: round3(sorted[0] ?? Number.NaN),
    max: round3(sorted[sorted.length - 1] ?? Number.NaN),
  }
}

/** Fisher–Yates. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

interface Cluster {
  tenancy: Tenancy
  server: Awaited<ReturnType<typeof createSchemataServer>>
}

/** The database `bench_api` of an embedded server, as the app's login (not a superuser). */
function apiUrl(connUrl: string): string {
  const target = new URL(connUrl)
  target.pathname = '/bench_api'
  return target.toString()
}

/**
 * An embedded server with the library, its database of `tenants` API tenants
 * (each with a user and `CUSTOMERS` customers), left running; the bearer token
 * of each tenant's user.
 */
async function buildCluster(dataDir: string, options: StatsOverheadOptions, project: Project): Promise<Map<string, string>> {
  await rm(dataDir, { recursive: true, force: true })
  const conn = await startEmbedded({ dataDir, database: 'postgres', statementStats: true })
  const url = apiUrl(conn.url)
  // The app's login runs the load; only the set-up below (a database, the extension) takes the superuser.
  const superuserUrl = await embeddedSuperuserUrl(dataDir, 'bench_api')
  const admin = await connectPlain(superuserUrl.replace('/bench_api', '/postgres'))
  await admin.query(`CREATE DATABASE ${quoteIdent('bench_api')} OWNER ${quoteIdent(conn.user)}`).finally(() => admin.end())
  await installStatementStats(superuserUrl)
  const tokens = new Map<string, string>()
  const setup = new Tenancy(new Database({ url, mode: 'embedded' }), { project })
  try {
    await setup.migrate({ shared: true })
    const passwordHash = await hashPassword('bench-pw')
    for (let i = 0; i < options.tenants; i++) {
      const schema = `api_${String(i).padStart(3, '0')}`
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
        await signApiToken(SECRET, {
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
  return tokens
}

/** Starts the server of `dataDir` with or without the library, and the app's server over its API database. */
async function serveCluster(dataDir: string, statementStats: boolean, project: Project): Promise<Cluster> {
  const conn = await startEmbedded({ dataDir, database: 'postgres', statementStats })
  const tenancy = new Tenancy(new Database({ url: apiUrl(conn.url), mode: 'embedded' }), { project })
  const server = await createSchemataServer({
    tenancy,
    dispatch: noDispatch,
    rendererDir: '/nonexistent',
    port: 0,
    tokenSecret: SECRET,
    requestLog: new RequestLog(),
  })
  return { tenancy, server }
}

const SECRET = tokenSecretFrom('bench-stats-overhead-secret')
const execFileAsync = promisify(execFile)

/** The tenant API's throughput with per-tenant statement statistics off, on, and watched. */
export async function benchStatsOverhead(options: StatsOverheadOptions): Promise<StatsOverheadResult> {
  const { progress } = options
  const random = options.random ?? Math.random
  const dirs = { off: `${options.dataDir}-off`, on: options.dataDir }
  const clusters: Cluster[] = []
  try {
    progress(
      `statement statistics overhead: ${options.tenants} tenants, tenant API GET /api/customers, ${options.inFlight} in flight, ` +
        `${options.rounds} rounds of off/on/watched in shuffled order, ${options.requests} requests a run`,
    )
    // The built-in demo, as the CLI and the app load it: the load test reads its customers.
    const project = await loadProject(builtinConfigPath(), { builtin: true })
    // One cluster is built, then copied whole while stopped: both sides serve the very same data, for half the set-up.
    const tokens = await buildCluster(dirs.on, options, project)
    await stopEmbedded(dirs.on)
    await rm(dirs.off, { recursive: true, force: true })
    // -a keeps the owner: as root the cluster belongs to postgres, which must own the copy too.
    await execFileAsync('cp', ['-a', dirs.on, dirs.off])
    const off = await serveCluster(dirs.off, false, project)
    clusters.push(off)
    const on = await serveCluster(dirs.on, true, project)
    clusters.push(on)

    const runs: Record<Side, { rps: number; latencies: number[] }[]> = { off: [], on: [], watched: [] }
    for (let round = 0; round < options.rounds; round++) {
      const line: string[] = []
      for (const side of shuffled<Side>(['off', 'on', 'watched'], random)) {
        const cluster = side === 'off' ? off : on
        const target = { port: cluster.server.port, tokens, rowsPerTenant: CUSTOMERS }
        await runApiLoad(target, options.warmupRequests, options.inFlight)
        const monitor = side === 'watched' ? activityMonitorFor(cluster.tenancy.db) : undefined
        let polling: NodeJS.Timeout | undefined
        try {
          if (monitor) {
            // The view opens (its first overview takes the first sample), then asks again every 2 s.
            await monitor.overview(OVERVIEW_QUERY)
            polling = setInterval(() => void monitor.overview(OVERVIEW_QUERY).catch(() => undefined), VIEW_REFRESH_MS)
          }
          const run = await runApiLoad(target, options.requests, options.inFlight)
          runs[side].push({ rps: run.requestsPerSecond, latencies: run.latenciesMs })
          line.push(`${side} ${run.requestsPerSecond.toFixed(0)}`)
        } finally {
          clearInterval(polling)
          // The view closes: nothing samples during the other sides' runs.
          monitor?.stop()
        }
      }
      progress(`  round ${round + 1}/${options.rounds}: ${line.join(', ')} req/s`)
    }

    // The sample statement is the one that names is_other; its planning and execution time, summed over every sample taken.
    const [samples] = await on.tenancy.db.rows<{ calls: number; ms: number }>(
      `SELECT coalesce(sum(calls), 0)::float8 AS calls, coalesce(sum(total_exec_time + total_plan_time), 0)::float8 AS ms
         FROM ${quoteIdent(STATEMENT_STATS_SCHEMA)}.pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE $1`,
      ['%AS is_other%'],
    )
    const serverMsPerSample = samples && samples.calls > 0 ? samples.ms / samples.calls : Number.NaN
    const sampling = {
      samples: samples?.calls ?? 0,
      serverMsPerSample: round3(serverMsPerSample),
      shareOfOneCore: round3(serverMsPerSample / activityMonitorFor(on.tenancy.db).intervalMs),
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
    const ratiosOf = (side: Side, base: Side): number[] => runs[side].map((run, i) => run.rps / (runs[base][i]?.rps ?? Number.NaN))
    const ratios = {
      onToOff: pairedRatio(ratiosOf('on', 'off')),
      watchedToOff: pairedRatio(ratiosOf('watched', 'off')),
      watchedToOn: pairedRatio(ratiosOf('watched', 'on')),
    }
    return {
      tenants: options.tenants,
      inFlight: options.inFlight,
      requestsPerRun: options.requests,
      rounds: options.rounds,
      off: sideOf('off'),
      on: sideOf('on'),
      watched: sideOf('watched'),
      ratios,
      throughputOverhead: round3(1 - ratios.onToOff.median),
      watchedThroughputOverhead: round3(1 - ratios.watchedToOff.median),
      samplingThroughputOverhead: round3(1 - ratios.watchedToOn.median),
      sampling,
    }
  } finally {
    for (const cluster of clusters) {
      await cluster.server.close().catch(() => undefined)
      await cluster.tenancy.close().catch(() => undefined)
    }
    for (const dir of [dirs.off, dirs.on]) {
      await stopEmbedded(dir).catch(() => false)
      await rm(dir, { recursive: true, force: true })
    }
  }
}
