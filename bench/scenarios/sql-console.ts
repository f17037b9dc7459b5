import type pg from 'pg'
import { qualified } from '../../electron/main/db/sql.ts'
import { SqlConsole } from '../../electron/main/sql-console/sql-console.ts'
import type { BenchContext } from '../context.ts'
import { connectPlain } from '../pg-client.ts'
import { round3, summarize } from '../stats.ts'

export interface SqlConsoleResult {
  tenants: number
  /** Tenant sessions (and floor connections) at once: the tenant sessions' pool size. */
  concurrency: number
  /** `SELECT count(*) FROM customers` in every tenant through the console's fan-out, the first time (each tenant session logs in). */
  fanOutColdMs: number
  /** The same fan-out again, tenant sessions already open. */
  fanOutWarmMs: number
  /** The same statements (schema-qualified) over `concurrency` plain connections opened beforehand. */
  floorMs: number
  fanOutColdRatioToFloor: number
  fanOutWarmRatioToFloor: number
  /** `SELECT 1` through the console (SqlConsole.run as a window calls it), one tenant, session open. */
  consoleTrivialP50Ms: number
  consoleTrivialP99Ms: number
  /** The same statement over a plain connection. */
  plainTrivialP50Ms: number
  consoleOverheadP50Ms: number
  /** A tenant's first statement minus the warm p50: logging in as the tenant with a fresh credential. */
  sessionSetUpP50Ms: number
  /** Tenant statements in the memory run (every tenant, repeated), and this process's heap at its peak against before. */
  memoryRunStatements: number
  heapBeforeBytes: number
  heapPeakSmallBytes: number
  heapPeakLargeBytes: number
  rssPeakLargeBytes: number
}

const COUNT = 'SELECT count(*) FROM customers'

/** Peak heap and RSS of this process while `fn` runs, sampled every 20 ms. */
async function peakMemory(fn: () => Promise<void>): Promise<{ heap: number; rss: number }> {
  let heap = 0
  let rss = 0
  const sample = (): void => {
    const usage = process.memoryUsage()
    heap = Math.max(heap, usage.heapUsed)
    rss = Math.max(rss, usage.rss)
  }
  const timer = setInterval(sample, 20)
  try {
    await fn()
  } finally {
    clearInterval(timer)
    sample()
  }
  return { heap, rss }
}

/** Runs the statements over the plain connections, each taking the next tenant when free. */
async function floorRun(clients: readonly pg.Client[], statements: readonly string[]): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    clients.map(async (client) => {
      while (next < statements.length) {
        const sql = statements[next++] as string
        const result = await client.query<{ count: string }>(sql)
        if (result.rows.length !== 1) throw new Error(`floor: ${sql} returned ${result.rows.length} rows`)
      }
    }),
  )
  return performance.now() - started
}

/**
 * The SQL console: a count(*) fanned out over every tenant (cold and warm)
 * against a floor of the same statements over as many plain connections; a
 * trivial statement through the console path against a plain connection (and
 * the tenant session's set-up apart); and the process's heap during a fan-out
 * of `repeat` × the tenants, against one of the tenants once (bounded memory).
 */
export async function benchSqlConsole(ctx: BenchContext, options: { iterations: number; repeat: number }): Promise<SqlConsoleResult> {
  const { tenancy } = ctx.service
  const schemas = ctx.schemas
  const sqlConsole = new SqlConsole(tenancy, () => tenancy.project.sharedReadable)
  const sessions = tenancy.tenantSessions
  const concurrency = sessions.capacity
  const plain = await Promise.all(Array.from({ length: concurrency }, () => connectPlain(ctx.service.url)))
  let runs = 0
  const runId = (): string => `bench-${++runs}`
  try {
    // Session set-up: a tenant's first statement (a login as its role) against its next ones.
    const setUpTenants = schemas.slice(-Math.min(20, schemas.length))
    ctx.progress(`sql console: session set-up in ${setUpTenants.length} tenants, then ${options.iterations} trivial statements`)
    const cold: number[] = []
    for (const schema of setUpTenants) {
      const start = performance.now()
      const result = await sqlConsole.run('bench', { tenant: schema, sql: 'SELECT 1', runId: runId() })
      cold.push(performance.now() - start)
      if (!result.ok) throw new Error(`sql console: ${result.error.message}`)
    }
    const one = setUpTenants[0] as string
    const consoleSamples: number[] = []
    const plainSamples: number[] = []
    const warmup = Math.min(200, options.iterations)
    for (let i = 0; i < warmup + options.iterations; i++) {
      let start = performance.now()
      const result = await sqlConsole.run('bench', { tenant: one, sql: 'SELECT 1', runId: runId() })
      const consoleMs = performance.now() - start
      if (!result.ok) throw new Error(`sql console: ${result.error.message}`)
      start = performance.now()
      await (plain[0] as pg.Client).query('SELECT 1')
      const plainMs = performance.now() - start
      if (i < warmup) continue
      consoleSamples.push(consoleMs)
      plainSamples.push(plainMs)
    }
    const consoleTrivial = summarize(consoleSamples)
    const plainTrivial = summarize(plainSamples)

    ctx.progress(`sql console: count(*) fanned out over ${schemas.length} tenants, against ${concurrency} plain connections`)
    const fanOut = async (): Promise<number> => {
      let rows = 0
      const start = performance.now()
      const summary = await sqlConsole.fanOut('bench', { sql: COUNT, runId: runId(), targets: { tenants: [...schemas] } }, (event) => {
        rows += event.rows.length
      })
      const ms = performance.now() - start
      if (summary.failed > 0 || rows !== schemas.length) throw new Error(`fan-out: ${summary.failed} failed, ${rows} rows for ${schemas.length} tenants`)
      return ms
    }
    const floorStatements = schemas.map((schema) => COUNT.replace('customers', qualified(schema, 'customers')))
    const fanOutColdMs = await fanOut()
    const floorMs = Math.min(await floorRun(plain, floorStatements), await floorRun(plain, floorStatements))
    const fanOutWarmMs = await fanOut()

    ctx.progress(`sql console: memory over ${options.repeat} × ${schemas.length} tenant statements`)
    global.gc?.()
    const heapBeforeBytes = process.memoryUsage().heapUsed
    const countOnly = async (list: readonly string[]): Promise<void> => {
      const summary = await sessions.fanOut(list, COUNT, { readOnly: true, onRows: () => undefined, onOutcome: () => undefined })
      if (summary.failed > 0) throw new Error(`memory fan-out: ${summary.failed} failed`)
    }
    const small = await peakMemory(() => countOnly(schemas))
    const repeated = Array.from({ length: options.repeat }, () => schemas).flat()
    const large = await peakMemory(() => countOnly(repeated))
    return {
      tenants: schemas.length,
      concurrency,
      fanOutColdMs: round3(fanOutColdMs),
      fanOutWarmMs: round3(fanOutWarmMs),
      floorMs: round3(floorMs),
      fanOutColdRatioToFloor: round3(fanOutColdMs / floorMs),
      fanOutWarmRatioToFloor: round3(fanOutWarmMs / floorMs),
      consoleTrivialP50Ms: round3(consoleTrivial.p50),
      consoleTrivialP99Ms: round3(consoleTrivial.p99),
      plainTrivialP50Ms: round3(plainTrivial.p50),
      consoleOverheadP50Ms: round3(consoleTrivial.p50 - plainTrivial.p50),
      sessionSetUpP50Ms: round3(summarize(cold).p50 - consoleTrivial.p50),
      memoryRunStatements: repeated.length,
      heapBeforeBytes,
      heapPeakSmallBytes: small.heap,
      heapPeakLargeBytes: large.heap,
      rssPeakLargeBytes: large.rss,
    }
  } finally {
    await Promise.all(plain.map((client) => client.end()))
  }
}
