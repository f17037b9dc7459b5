import type { BenchResult } from './runner.ts'
import type { CliStartupResult } from './scenarios/cli-startup.ts'

/** What `npm run bench` reports: the core's run, and the CLI's start-up measured after it (absent from a bare `runBench`). */
export type BenchReport = BenchResult & { cliStartup?: CliStartupResult }

/** One target of issue 5, judged against a run. */
export interface TargetCheck {
  target: string
  measured: string
  holds: boolean
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits)

/** Judges a run against the targets; absolute targets that name a tenant count apply only at that count. */
export function checkTargets(result: BenchReport): TargetCheck[] {
  const { createTenant, migrateFleet, whoIsBehind, scopedRead, testFixture, statementStats, run, dataBrowser } = result
  const checks: TargetCheck[] = [
    {
      target: 'createTenant p50 ≤ 1.3 × floor p50',
      measured: `${fmt(createTenant.ratioToFloor)} ×`,
      holds: createTenant.ratioToFloor <= 1.3,
    },
    {
      target: `last-${createTenant.windowSize} p50 ≤ 1.2 × first-${createTenant.windowSize} p50 (issue: at 10,000)`,
      measured: `${fmt(createTenant.lastToFirstRatio)} × (floor ${fmt(result.floor.lastToFirstRatio)} ×)`,
      holds: createTenant.lastToFirstRatio <= 1.2,
    },
    {
      target: 'fleet migration at default concurrency ≤ 1.3 × floor',
      measured: `${fmt(migrateFleet.ratioToFloor)} ×`,
      holds: migrateFleet.ratioToFloor <= 1.3,
    },
    {
      target: 'scoped read overhead ≤ 0.2 ms at p50, read-only scope',
      measured: `${fmt(scopedRead.overheadP50Ms, 3)} ms over the pool's unscoped read (${fmt(scopedRead.overheadOverFloorP50Ms, 3)} ms over the one-trip scoped floor)`,
      holds: scopedRead.overheadP50Ms <= 0.2,
    },
    {
      target: 'scoped read overhead ≤ 0.2 ms at p50, read-write scope',
      measured: `${fmt(scopedRead.readWriteOverheadP50Ms, 3)} ms over the pool's unscoped read (${fmt(scopedRead.readWriteOverheadOverFloorP50Ms, 3)} ms over the one-trip scoped floor)`,
      holds: scopedRead.readWriteOverheadP50Ms <= 0.2,
    },
    {
      target: 'tenant API throughput cost of pg_stat_statements ≤ 2 % (issue 15)',
      measured: `${fmt(statementStats.throughputOverhead * 100, 1)} % (median of ${statementStats.rounds} paired rounds; on/off quartiles ${fmt(statementStats.ratios.onToOff.p25, 3)}–${fmt(statementStats.ratios.onToOff.p75, 3)})`,
      holds: statementStats.throughputOverhead <= 0.02,
    },
    {
      target: 'the same with the Activity view open ≤ 2 % (issue 15)',
      measured: `${fmt(statementStats.watchedThroughputOverhead * 100, 1)} % (watched/off quartiles ${fmt(statementStats.ratios.watchedToOff.p25, 3)}–${fmt(statementStats.ratios.watchedToOff.p75, 3)}; the sampling alone ${fmt(statementStats.samplingThroughputOverhead * 100, 1)} %)`,
      holds: statementStats.watchedThroughputOverhead <= 0.02,
    },
    {
      target: 'test fixture < 50 ms per tenant',
      measured: `${fmt(testFixture.p50Ms)} ms p50`,
      holds: testFixture.p50Ms < 50,
    },
  ]
  const pages = [
    ['first page', dataBrowser.firstPage],
    ['next page', dataBrowser.nextPage],
    ['sorted by an indexed column: first page', dataBrowser.sortedFirstPage],
    ['sorted by an indexed column: next page', dataBrowser.sortedNextPage],
  ] as const
  const million = dataBrowser.rows >= 1_000_000 ? '' : ` (issue: at 1,000,000 rows; run had ${dataBrowser.rows})`
  for (const [label, figures] of pages) {
    checks.push({
      target: `data browser ${label} ≤ 1.5 × plain keyset query and ≤ 100 ms p50${million}`,
      measured: `${fmt(figures.ratio)} ×, ${fmt(figures.browserP50Ms)} ms`,
      holds: figures.ratio <= 1.5 && figures.browserP50Ms <= 100,
    })
  }
  const project = dataBrowser.tenants >= 1000 && dataBrowser.tablesPerTenant >= 100 ? '' : ` (issue: at 1,000 × 100; run had ${dataBrowser.tenants} × ${dataBrowser.tablesPerTenant})`
  checks.push({
    target: `data browser table list of a tenant ≤ 100 ms p50${project}`,
    measured: `${fmt(dataBrowser.tableListP50Ms)} ms`,
    holds: dataBrowser.tableListP50Ms <= 100,
  })
  if (run.tenants >= 1000) {
    // Scaled to N: the target is 1,000 tenants in under 3 s.
    const perThousand = (migrateFleet.defaultConcurrency.totalMs / run.tenants) * 1000
    checks.push({
      target: 'fleet migration at default concurrency: 1,000 tenants < 3 s here',
      measured: `${fmt(perThousand / 1000)} s per 1,000 at N = ${run.tenants}`,
      holds: perThousand < 3000,
    })
  }
  if (run.tenants >= 10_000) {
    checks.push({
      target: '"who is behind" for 10,000 tenants < 100 ms',
      measured: `${fmt(whoIsBehind.p50Ms)} ms`,
      holds: whoIsBehind.p50Ms < 100,
    })
  }
  const { sqlConsole } = result
  checks.push(
    {
      target: 'SQL console count(*) fan-out ≤ 1.5 × plain connections (warm sessions; cold in brackets)',
      measured: `${fmt(sqlConsole.fanOutWarmRatioToFloor)} × (cold ${fmt(sqlConsole.fanOutColdRatioToFloor)} ×) over ${sqlConsole.tenants} tenants`,
      holds: sqlConsole.fanOutWarmRatioToFloor <= 1.5,
    },
    {
      target: 'SQL console trivial statement overhead ≤ 1 ms at p50 (session set-up apart)',
      measured: `${fmt(sqlConsole.consoleOverheadP50Ms, 3)} ms (set-up ${fmt(sqlConsole.sessionSetUpP50Ms, 1)} ms)`,
      holds: sqlConsole.consoleOverheadP50Ms <= 1,
    },
  )
  if (run.tenants >= 1000) {
    checks.push({
      target: 'SQL console count(*) over 1,000 tenants < 1.5 s (cold)',
      measured: `${fmt(sqlConsole.fanOutColdMs / 1000, 3)} s cold, ${fmt(sqlConsole.fanOutWarmMs / 1000, 3)} s warm at N = ${run.tenants}`,
      holds: (sqlConsole.fanOutColdMs / run.tenants) * 1000 < 1500,
    })
  }
  if (result.cliStartup) {
    const cli = result.cliStartup
    const targets = [
      ['schemata --help', cli.help, 150],
      ['schemata tenant list --json (running database)', cli.tenantList, 400],
      ['schemata doctor --json (the demo)', cli.doctor, 2000],
    ] as const
    for (const [label, figures, limitMs] of targets) {
      const cpu = figures.cpuRatioP50 === undefined ? '' : `; CPU ${fmt(figures.cpuRatioP50)} ×`
      checks.push({
        // Absolute: the figures are for this machine; the ratio says how much of it is Node's own start.
        target: `${label} ≤ ${limitMs} ms p50 (issue 11), as a ratio to node -e 0`,
        measured: `${fmt(figures.p50Ms, 0)} ms, ${fmt(figures.ratioP50)} × node -e 0 (${fmt(cli.baseline.p50Ms, 0)} ms${cpu})`,
        holds: figures.p50Ms <= limitMs,
      })
    }
  }
  return checks
}
