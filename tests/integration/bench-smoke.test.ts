import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { type BenchResult, runBench } from '../../bench/runner.ts'
import { benchCliStartup } from '../../bench/scenarios/cli-startup.ts'

// The bench starts its own embedded server; a small run keeps it from rotting. Times are never asserted.
const MEASUREMENTS = [
  'floor',
  'createTenant',
  'migrateFleet',
  'whoIsBehind',
  'scopedRead',
  'sqlConsole',
  'resolve',
  'memory',
  'testFixture',
  'statementStats',
  'dataBrowser',
] as const

/** Every numeric leaf of an object, with its dotted path. */
function numbersIn(value: unknown, path = ''): [string, unknown][] {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => numbersIn(child, path ? `${path}.${key}` : key))
  }
  return [[path, value]]
}

// Overheads are differences of two timings and may be ≤ 0 in a tiny run; everything else is a duration, count, ratio or size.
const mayBeZeroOrNegative = (path: string): boolean => /overhead/i.test(path)

function expectFiniteFigures(leaves: [string, unknown][], mayBeZero: (path: string) => boolean = () => false): void {
  for (const [path, value] of leaves) {
    if (value === undefined) continue
    expect(typeof value, path).toBe('number')
    expect(Number.isFinite(value), path).toBe(true)
    if (mayBeZero(path)) expect(value as number, path).toBeGreaterThanOrEqual(0)
    else if (!mayBeZeroOrNegative(path)) expect(value as number, path).toBeGreaterThan(0)
  }
}

describe('bench smoke run (20 tenants)', () => {
  it('runs every measurement and reports finite, positive figures', { timeout: 300_000 }, async () => {
    const result: BenchResult = await runBench({
      tenants: 20,
      iterations: 100,
      resolveIterations: 500,
      fixtureRuns: 3,
      sqlConsole: { iterations: 50, repeat: 2 },
      trace: true,
      statsOverhead: { rounds: 1, requests: 200, warmupRequests: 50 },
      browser: { tenants: 3, tables: 5, rows: 5000, iterations: 20 },
    })

    expect(Object.keys(result)).toEqual(expect.arrayContaining([...MEASUREMENTS]))
    // Survives the --json round trip unchanged (no NaN or Infinity turning into null).
    expect(JSON.parse(JSON.stringify(result))).toEqual(result)

    const leaves = numbersIn({ ...result, trace: undefined, run: undefined })
    expect(leaves.length).toBeGreaterThan(50)
    expectFiniteFigures(leaves, (path) => process.platform !== 'linux' && path.startsWith('memory.postgres'))

    expect(result.run.tenants).toBe(20)
    expect(result.createTenant.tenants).toBe(20)
    expect(result.migrateFleet.concurrency1.schemas).toBe(20)
    expect(result.migrateFleet.defaultConcurrency.schemas).toBe(20)
    expect(result.whoIsBehind.behind).toBe(20)
    expect(result.floor.roundTripsPerTenant).toBe(1)
    expect(result.statementStats.off.runs).toHaveLength(1)
    expect(result.statementStats.watched.runs).toHaveLength(1)
    for (const key of ['floor', 'createTenant'] as const) {
      expect(result[key]).toHaveProperty('p50Ms')
      expect(result[key]).toHaveProperty('p95Ms')
    }
    expect(result.createTenant).toHaveProperty('ratioToFloor')
    expect(result.migrateFleet).toHaveProperty('ratioToFloor')
    // The trace and the counter agree: statements that start a round trip, the others marked pipelined.
    const traced = result.trace?.createTenant ?? []
    expect(traced.filter((statement) => !statement.startsWith('  ⤷')).length).toBe(result.createTenant.roundTripsPerTenant)
    expect(traced.length).toBeGreaterThanOrEqual(result.createTenant.roundTripsPerTenant)
  })

  it('times the CLI start-up as processes against node -e 0, every figure present (npm run bench -- --cli-runs)', { timeout: 300_000 }, async () => {
    // Two rounds, no warm-up: enough to run every command (its exit code and output checked) and fill every field.
    const cli = await benchCliStartup({ dataDir: path.resolve('.test-data', `bench-smoke-cli-${process.pid}`), runs: 2, warmupRuns: 0, progress: () => undefined })
    expect(JSON.parse(JSON.stringify(cli))).toEqual(cli)
    expect(cli).toMatchObject({ runs: 2, tenants: 3 })
    const timing = ['p50Ms', 'p95Ms', 'minMs', 'maxMs', ...(process.platform === 'linux' ? ['cpuP50Ms'] : [])]
    expect(Object.keys(cli.baseline)).toEqual(expect.arrayContaining(timing))
    for (const key of ['help', 'tenantList', 'doctor'] as const) {
      const ratios = ['ratioP50', 'pairedRatioP50', 'overheadP50Ms', ...(process.platform === 'linux' ? ['cpuRatioP50'] : [])]
      expect(Object.keys(cli[key]), key).toEqual(expect.arrayContaining([...timing, ...ratios]))
    }
    // CPU time comes in 10 ms ticks, the load average of an idle machine may read 0, and this run has no warm-up.
    expectFiniteFigures(numbersIn(cli), (path) => /cpu|loadAverage|warmupRuns/i.test(path))
  })
})
