import os from 'node:os'
import { connectPlain } from './pg-client.ts'
import { Database } from '../electron/main/db/database.ts'
import { defaultConcurrency } from '../electron/main/migrations/migrate-schemas.ts'
import { builtinConfigPath } from '../electron/main/project/find-config.ts'
import { loadProject } from '../electron/main/project/load-project.ts'
import { Tenancy } from '../electron/main/tenancy/service.ts'
import type { BenchContext } from './context.ts'
import { captureMigrationSql } from './floor.ts'
import { type MemoryPeaks, MemorySampler } from './memory.ts'
import { installRoundTripCounter } from './round-trips.ts'
import { type CreateTenantResult, type FloorResult, benchCreateTenants } from './scenarios/create-tenants.ts'
import { type DataBrowserResult, benchDataBrowser } from './scenarios/data-browser.ts'
import { type MigrateFleetResult, benchMigrateFleet } from './scenarios/migrate-fleet.ts'
import { type ResolveResult, benchResolve } from './scenarios/resolve.ts'
import { type ScopedReadResult, benchScopedRead } from './scenarios/scoped-read.ts'
import { type SqlConsoleResult, benchSqlConsole } from './scenarios/sql-console.ts'
import { STATS_OVERHEAD_DEFAULTS, type StatsOverheadResult, benchStatsOverhead } from './scenarios/statement-stats-overhead.ts'
import { type TestFixtureResult, benchTestFixture } from './scenarios/test-fixture.ts'
import { type TraceResult, traceStatements } from './scenarios/trace.ts'
import { type WhoIsBehindResult, benchWhoIsBehind } from './scenarios/who-is-behind.ts'
import { type BenchServer, defaultBenchDataDir, startBenchServer } from './server.ts'
import { round3 } from './stats.ts'

export interface BenchOptions {
  /** Tenants to create and migrate (default 100). */
  tenants?: number
  /** Reads of each kind in the scoped-read measurement (default 5000). */
  iterations?: number
  /** Lookups of each kind in the resolve measurement (default 20000). */
  resolveIterations?: number
  /** Throwaway tenants in the test-fixture measurement (default 20). */
  fixtureRuns?: number
  /** The data browser's project: tenants × tables for the table list, rows of the big table (default 1,000 × 100, 1,000,000). */
  browser?: { tenants?: number; tables?: number; rows?: number; iterations?: number }
  /** The SQL console: trivial statements measured (default 2000) and how many times the memory run repeats every tenant (default 10). */
  sqlConsole?: { iterations?: number; repeat?: number }
  /** Also record the SQL of one createTenant, scoped read, schema migration and drop. */
  trace?: boolean
  /** Where the embedded server lives; default `<repo>/.test-data/bench-<pid>`. Deleted at the end. */
  dataDir?: string
  /** The tenant API with per-tenant statement statistics off / on / watched (own server in `<dataDir>-stats`). */
  statsOverhead?: { rounds?: number; requests?: number; warmupRequests?: number }
  onProgress?: (message: string) => void
}

export interface RunInfo {
  tenants: number
  defaultConcurrency: number
  nodeVersion: string
  postgresVersion: string
  cpuModel: string
  cpus: number
  totalMemoryBytes: number
  /** 1-minute load average before and after: other work on the machine skews every figure. */
  loadAverageStart: number
  loadAverageEnd: number
  /** Server settings that move the figures (commit durability, cache size, JIT). */
  postgresSettings: Record<string, string>
  totalMs: number
}

/** Every figure of one bench run; with `--json` this is the last line printed. */
export interface BenchResult {
  run: RunInfo
  floor: FloorResult
  createTenant: CreateTenantResult
  migrateFleet: MigrateFleetResult
  whoIsBehind: WhoIsBehindResult
  scopedRead: ScopedReadResult
  sqlConsole: SqlConsoleResult
  resolve: ResolveResult
  memory: MemoryPeaks
  testFixture: TestFixtureResult
  statementStats: StatsOverheadResult
  dataBrowser: DataBrowserResult
  trace?: TraceResult
}

/** The statistics-overhead scenario's own server, next to the main one. */
export function statsBenchDataDir(dataDir: string): string {
  return `${dataDir}-stats`
}

const SERVICE_DB = 'bench_service'
const FLOOR_DB = 'bench_floor'

/**
 * Runs every measurement against a fresh embedded PostgreSQL and returns the
 * figures. The server and its data directory are removed at the end, also when
 * a measurement fails.
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const tenants = options.tenants ?? 100
  if (!Number.isInteger(tenants) || tenants < 2 || tenants > 99_999) throw new RangeError('tenants must be a whole number from 2 to 99999')
  const progress = options.onProgress ?? (() => undefined)
  const started = performance.now()
  const loadAverageStart = os.loadavg()[0] ?? 0
  installRoundTripCounter()

  progress('starting a fresh embedded PostgreSQL')
  const dataDir = options.dataDir ?? defaultBenchDataDir()
  const server: BenchServer = await startBenchServer(dataDir)
  const sampler = new MemorySampler(server.postmasterPid)
  const closers: (() => Promise<void>)[] = []
  try {
    sampler.start()

    const serviceUrl = await server.createDatabase(SERVICE_DB)
    const floorUrl = await server.createDatabase(FLOOR_DB)
    const db = new Database({ url: serviceUrl, mode: 'embedded', dataDir: server.dataDir })
    // The built-in demo, loaded as the CLI and the app load it.
    const project = await loadProject(builtinConfigPath(), { builtin: true })
    const tenancy = new Tenancy(db, { project })
    closers.push(() => tenancy.close())
    await tenancy.migrate({ shared: true })
    // The floor's database gets the same registry tables, by the same migrations (setup, not measured).
    const floorSetup = new Tenancy(new Database({ url: floorUrl, mode: 'embedded' }), { project })
    await floorSetup.migrate({ shared: true })
    await floorSetup.close()
    const floorClient = await connectPlain(floorUrl)
    closers.push(() => floorClient.end())
    const settings = await floorClient.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers', 'max_connections', 'jit') ORDER BY name",
    )
    const postgresSettings = Object.fromEntries(settings.rows.map((row) => [row.name, row.unit ? `${row.setting} × ${row.unit}` : row.setting]))

    const ctx: BenchContext = {
      service: {
        database: SERVICE_DB,
        url: serviceUrl,
        db,
        tenancy,
        withMigrations: (tenant) => new Tenancy(db, { project, migrations: { tenant } }),
      },
      floor: { database: FLOOR_DB, url: floorUrl, client: floorClient },
      schemas: [],
      progress,
    }

    const migrations = await captureMigrationSql(tenancy.migrations.tenant)
    progress(`creating ${tenants} tenants through createTenant and through the floor, interleaved`)
    const { floor, createTenant } = await benchCreateTenants(ctx, tenants, migrations)
    const { result: migrateFleet, applied } = await benchMigrateFleet(ctx)
    const whoIsBehind = await benchWhoIsBehind(ctx, applied)
    const scopedRead = await benchScopedRead(ctx, options.iterations ?? 5000)
    const sqlConsole = await benchSqlConsole(ctx, { iterations: options.sqlConsole?.iterations ?? 2000, repeat: options.sqlConsole?.repeat ?? 10 })
    const resolve = await benchResolve(ctx, options.resolveIterations ?? 20_000)
    const testFixture = await benchTestFixture(ctx, options.fixtureRuns ?? 20)
    const trace = options.trace ? await traceStatements(ctx) : undefined
    // Last: its project of 100,000 tables lives in a database of its own, but on the same server.
    const dataBrowser = await benchDataBrowser((name) => server.urlOf(name), (name) => server.createDatabase(name), {
      tenants: options.browser?.tenants ?? 1000,
      tablesPerTenant: options.browser?.tables ?? 100,
      rows: options.browser?.rows ?? 1_000_000,
      iterations: options.browser?.iterations ?? 500,
      progress,
    })
    const memory = await sampler.stop()
    const statementStats = await benchStatsOverhead({
      dataDir: statsBenchDataDir(dataDir),
      rounds: options.statsOverhead?.rounds ?? STATS_OVERHEAD_DEFAULTS.rounds,
      requests: options.statsOverhead?.requests ?? STATS_OVERHEAD_DEFAULTS.requests,
      warmupRequests: options.statsOverhead?.warmupRequests ?? STATS_OVERHEAD_DEFAULTS.warmupRequests,
      tenants: 20,
      inFlight: 50,
      progress,
    })

    const result: BenchResult = {
      run: {
        tenants,
        defaultConcurrency: defaultConcurrency(db),
        nodeVersion: process.version,
        postgresVersion: server.serverVersion,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        cpus: os.availableParallelism(),
        totalMemoryBytes: os.totalmem(),
        loadAverageStart,
        loadAverageEnd: os.loadavg()[0] ?? 0,
        postgresSettings,
        totalMs: 0,
      },
      floor,
      createTenant,
      migrateFleet,
      whoIsBehind,
      scopedRead,
      sqlConsole,
      resolve,
      memory,
      testFixture,
      statementStats,
      dataBrowser,
      ...(trace ? { trace } : {}),
    }
    result.run.totalMs = round3(performance.now() - started)
    return result
  } finally {
    sampler.cancel()
    for (const close of closers.reverse()) {
      // A failed close must not hide the measurement's own error, nor stop the server from being removed.
      await close().catch((error: unknown) => progress(`cleanup: ${error instanceof Error ? error.message : String(error)}`))
    }
    progress('stopping PostgreSQL and removing its data directory')
    await server.destroy()
  }
}
