import { describe, expect, it } from 'vitest'
import { type BenchResult, runBench } from '../../bench/runner.ts'

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
    for (const [path, value] of leaves) {
      if (value === undefined) continue
      expect(typeof value, path).toBe('number')
      expect(Number.isFinite(value), path).toBe(true)
      if (!mayBeZeroOrNegative(path) && !(process.platform !== 'linux' && path.startsWith('memory.postgres'))) {
        expect(value as number, path).toBeGreaterThan(0)
      }
    }

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
})
