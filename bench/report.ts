import type { CliStartupResult } from './scenarios/cli-startup.ts'
import type { PairedRatio, StatsOverheadResult } from './scenarios/statement-stats-overhead.ts'
import { type BenchReport, checkTargets } from './targets.ts'

const ms = (n: number): string => (n < 0.1 ? `${(n * 1000).toFixed(1)} µs` : `${n.toFixed(n < 10 ? 3 : 1)} ms`)
const x = (n: number): string => `${n.toFixed(2)} ×`
const pct = (n: number): string => `${(n * 100).toFixed(1)} %`
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? []
  return rows.map((row) => row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join('  ').trimEnd()).join('\n')
}

/** The CLI start-up table (issue 11): in the full report, and alone with --cli-only. */
export function formatCliStartup(c: CliStartupResult): string {
  const cpu = (n: number | undefined): string => (n === undefined ? '' : ms(n))
  return table([
    [`CLI start-up, processes (${c.runs} rounds, shuffled; load ${c.loadAverageStart.toFixed(2)} → ${c.loadAverageEnd.toFixed(2)})`, 'p50', 'p95', 'min–max', 'ratio p50 (paired)', 'CPU p50', 'CPU ratio'],
    ['node -e 0 (baseline)', ms(c.baseline.p50Ms), ms(c.baseline.p95Ms), `${ms(c.baseline.minMs)}–${ms(c.baseline.maxMs)}`, '', cpu(c.baseline.cpuP50Ms), ''],
    ...([
      ['schemata --help', c.help],
      [`schemata tenant list --json (${c.tenants} tenants)`, c.tenantList],
      ['schemata doctor --json (the demo)', c.doctor],
    ] as const).map(([label, t]) => [
      label,
      ms(t.p50Ms),
      ms(t.p95Ms),
      `${ms(t.minMs)}–${ms(t.maxMs)}`,
      `${x(t.ratioP50)} (${x(t.pairedRatioP50)})`,
      cpu(t.cpuP50Ms),
      t.cpuRatioP50 === undefined ? '' : x(t.cpuRatioP50),
    ]),
  ])
}

/** The human-readable report: one table per measurement, then the targets. */
export function formatReport(r: BenchReport): string {
  const f = r.migrateFleet
  const sections = [
    `Schemata bench — ${r.run.tenants} tenants, ${r.run.cpus} × ${r.run.cpuModel}, Node ${r.run.nodeVersion}, PostgreSQL ${r.run.postgresVersion}, ${(r.run.totalMs / 1000).toFixed(1)} s, load average ${r.run.loadAverageStart.toFixed(2)} → ${r.run.loadAverageEnd.toFixed(2)}`,
    '',
    table([
      ['create a tenant', 'p50', 'p95', `first ${r.createTenant.windowSize} p50`, `last ${r.createTenant.windowSize} p50`, 'last/first', 'round trips', 'in pg (mean)', 'client side (mean)', 'ratio p50', 'overhead p50 (paired)'],
      ...([['floor (raw SQL)', r.floor], ['createTenant', r.createTenant]] as const).map(([label, c]) => [
        label,
        ms(c.p50Ms),
        ms(c.p95Ms),
        ms(c.first100P50Ms),
        ms(c.last100P50Ms),
        x(c.lastToFirstRatio),
        String(c.roundTripsPerTenant),
        ms(c.inQueryMeanMs),
        ms(c.clientSideMeanMs),
        c === r.createTenant ? x(r.createTenant.ratioToFloor) : '',
        c === r.createTenant ? `${ms(r.createTenant.overheadP50Ms)} (${ms(r.createTenant.pairedOverheadP50Ms)})` : '',
      ]),
    ]),
    '',
    table([
      ['migrate the fleet (median of N runs a side)', 'total [min–max]', 'per schema', 'floor total [min–max]', 'floor/schema', 'round trips/schema', 'client side/schema', 'overhead/schema', 'ratio'],
      ...[f.concurrency1, f.defaultConcurrency].map((run) => [
        `concurrency ${run.concurrency} (N = ${run.runsPerSide})`,
        `${ms(run.totalMs)} [${ms(run.minTotalMs)}–${ms(run.maxTotalMs)}]`,
        ms(run.perSchemaMs),
        `${ms(run.floorTotalMs)} [${ms(run.floorMinTotalMs)}–${ms(run.floorMaxTotalMs)}]`,
        ms(run.floorPerSchemaMs),
        `${run.roundTripsPerSchema} (floor ${run.floorRoundTripsPerSchema})`,
        run.clientSideMsPerSchema === undefined ? '' : ms(run.clientSideMsPerSchema),
        ms(run.overheadPerSchemaMs),
        x(run.ratioToFloor),
      ]),
    ]),
    '',
    table([
      ['who is behind', 'all behind p50', 'max', 'none behind p50', 'listTenants p50'],
      [`${r.whoIsBehind.behind} of ${r.whoIsBehind.tenants}`, ms(r.whoIsBehind.p50Ms), ms(r.whoIsBehind.maxMs), ms(r.whoIsBehind.upToDateP50Ms), ms(r.whoIsBehind.listTenantsP50Ms)],
    ]),
    '',
    table([
      ['PK read', 'p50', 'p99', 'round trips', 'client side (mean)'],
      ['withTenant, readOnly', ms(r.scopedRead.scopedP50Ms), ms(r.scopedRead.scopedP99Ms), String(r.scopedRead.roundTripsScoped), ms(r.scopedRead.scopedClientSideMeanMs)],
      ['withTenant, read-write', ms(r.scopedRead.readWriteScopedP50Ms), ms(r.scopedRead.readWriteScopedP99Ms), String(r.scopedRead.roundTripsReadWriteScoped), ''],
      ['unscoped (pool)', ms(r.scopedRead.unscopedP50Ms), ms(r.scopedRead.unscopedP99Ms), String(r.scopedRead.roundTripsUnscoped), ms(r.scopedRead.unscopedClientSideMeanMs)],
      ['overhead (readOnly / read-write)', `${ms(r.scopedRead.overheadP50Ms)} / ${ms(r.scopedRead.readWriteOverheadP50Ms)}`, ms(r.scopedRead.overheadP99Ms), '', ''],
      ['plain pg, unscoped', ms(r.scopedRead.rawPgP50Ms), '', '1', ''],
      ['plain pg, scoped floor (readOnly / read-write)', `${ms(r.scopedRead.floorScopedP50Ms)} / ${ms(r.scopedRead.floorReadWriteScopedP50Ms)}`, '', '1', ''],
      ['floor overhead over plain read', ms(r.scopedRead.floorOverheadP50Ms), '', '', ''],
      ['core over floor (readOnly / read-write)', `${ms(r.scopedRead.overheadOverFloorP50Ms)} / ${ms(r.scopedRead.readWriteOverheadOverFloorP50Ms)}`, '', '', ''],
      ['empty sequelize.transaction()', ms(r.scopedRead.emptyTransactionP50Ms), '', '2', ''],
    ]),
    '',
    table([
      [`SQL console (${r.sqlConsole.tenants} tenants, ${r.sqlConsole.concurrency} at once)`, 'console', 'plain floor', 'ratio'],
      ['count(*) fan-out, cold (tenant logins)', ms(r.sqlConsole.fanOutColdMs), ms(r.sqlConsole.floorMs), x(r.sqlConsole.fanOutColdRatioToFloor)],
      ['count(*) fan-out, warm', ms(r.sqlConsole.fanOutWarmMs), ms(r.sqlConsole.floorMs), x(r.sqlConsole.fanOutWarmRatioToFloor)],
      ['SELECT 1, one tenant p50 (p99)', `${ms(r.sqlConsole.consoleTrivialP50Ms)} (${ms(r.sqlConsole.consoleTrivialP99Ms)})`, ms(r.sqlConsole.plainTrivialP50Ms), `+${ms(r.sqlConsole.consoleOverheadP50Ms)}`],
      ['tenant session set-up (first statement − warm p50)', ms(r.sqlConsole.sessionSetUpP50Ms), '', ''],
      [`heap peak: ${r.sqlConsole.tenants} vs ${r.sqlConsole.memoryRunStatements} tenant statements (before ${mib(r.sqlConsole.heapBeforeBytes)})`, `${mib(r.sqlConsole.heapPeakSmallBytes)} vs ${mib(r.sqlConsole.heapPeakLargeBytes)}`, `RSS ${mib(r.sqlConsole.rssPeakLargeBytes)}`, ''],
    ]),
    '',
    table([
      ['resolve (warm)', 'p50', 'p99'],
      ['host', ms(r.resolve.hostP50Ms), ms(r.resolve.hostP99Ms)],
      ['header', ms(r.resolve.headerP50Ms), ms(r.resolve.headerP99Ms)],
      ['snapshot load', ms(r.resolve.snapshotLoadMs), ''],
    ]),
    '',
    table([
      ['memory', 'peak', 'end'],
      ['bench process RSS', mib(r.memory.processPeakRssBytes), ''],
      [`PostgreSQL RSS (sum of ${r.memory.postgresPeakProcesses} processes)`, mib(r.memory.postgresPeakRssBytes), mib(r.memory.postgresEndRssBytes)],
      ['PostgreSQL PSS', mib(r.memory.postgresPeakPssBytes), mib(r.memory.postgresEndPssBytes)],
    ]),
    '',
    table([
      ['test fixture', 'get p50', 'release p50', 'get+release p50', 'p95'],
      [`${r.testFixture.runs} runs`, ms(r.testFixture.getP50Ms), ms(r.testFixture.releaseP50Ms), ms(r.testFixture.p50Ms), ms(r.testFixture.p95Ms)],
    ]),
    '',
    statsOverheadTable(r.statementStats),
    '',
    table([
      [`data browser (${r.dataBrowser.rows.toLocaleString('en-US')} rows, pages of ${r.dataBrowser.pageSize})`, 'browser p50', 'p99', 'plain keyset p50', 'p99', 'ratio p50'],
      ...([
        ['first page', r.dataBrowser.firstPage],
        ['next page', r.dataBrowser.nextPage],
        ['sorted (indexed) first page', r.dataBrowser.sortedFirstPage],
        ['sorted (indexed) next page', r.dataBrowser.sortedNextPage],
        ['first page, nothing cached', r.dataBrowser.coldFirstPage],
      ] as const).map(([label, p]) => [label, ms(p.browserP50Ms), ms(p.browserP99Ms), ms(p.plainP50Ms), ms(p.plainP99Ms), x(p.ratio)]),
    ]),
    '',
    table([
      [`table list (${r.dataBrowser.tenants} tenants × ${r.dataBrowser.tablesPerTenant} tables, ${r.dataBrowser.catalogRelations.toLocaleString('en-US')} relations)`, 'p50', 'p99'],
      ['estimates (first request)', ms(r.dataBrowser.tableListP50Ms), ms(r.dataBrowser.tableListP99Ms)],
      ['exact counts of small tables', ms(r.dataBrowser.tableListExactP50Ms), ms(r.dataBrowser.tableListExactP99Ms)],
      ['(pg_class scan by namespace, plain)', ms(r.dataBrowser.catalogScanP50Ms), ''],
    ]),
  ]
  if (r.cliStartup) sections.push('', formatCliStartup(r.cliStartup))
  sections.push('', table([['target', 'measured', ''], ...checkTargets(r).map((c) => [c.target, c.measured, c.holds ? 'holds' : 'MISSED'])]))
  if (r.trace) {
    for (const [name, statements] of Object.entries(r.trace) as [string, string[]][]) {
      const trips = statements.filter((s) => !s.startsWith('  ⤷')).length
      sections.push('', `trace: ${name} (${statements.length} statements, ${trips} round trips)`, ...statements.map((s, i) => `  ${i + 1}. ${s}`))
    }
  }
  return sections.join('\n')
}

/** The tenant API with statement statistics off, on and watched: throughput, latency, and the rounds' paired ratios. */
export function statsOverheadTable(stats: StatsOverheadResult): string {
  const ratio = (x: PairedRatio): string => `${x.median.toFixed(3)} [${x.p25.toFixed(3)}–${x.p75.toFixed(3)}] (${x.min.toFixed(3)}–${x.max.toFixed(3)})`
  const sides = [
    ['off (library not loaded)', stats.off, '', ''],
    ['on (pg_stat_statements)', stats.on, `on/off ${ratio(stats.ratios.onToOff)}`, pct(stats.throughputOverhead)],
    ['on, Activity view open', stats.watched, `watched/off ${ratio(stats.ratios.watchedToOff)}`, pct(stats.watchedThroughputOverhead)],
    ['  the view’s sampling alone', undefined, `watched/on ${ratio(stats.ratios.watchedToOn)}`, pct(stats.samplingThroughputOverhead)],
  ] as const
  const sampling =
    `the view's samples on the server: ${stats.sampling.samples} samples, ${ms(stats.sampling.serverMsPerSample)} each, ` +
    `${pct(stats.sampling.shareOfOneCore)} of one core at one sample per 2 s`
  return table([
    [
      `tenant API, statement statistics (${stats.tenants} tenants, ${stats.inFlight} in flight, ${stats.rounds} shuffled rounds of ${stats.requestsPerRun})`,
      'req/s (median)',
      'min–max',
      'p50',
      'p99',
      'paired ratio median [p25–p75] (min–max)',
      'throughput cost',
    ],
    ...sides.map(([label, side, paired, cost]) => [
      label,
      side ? side.requestsPerSecond.toFixed(0) : '',
      side ? `${Math.min(...side.runs).toFixed(0)}–${Math.max(...side.runs).toFixed(0)}` : '',
      side ? ms(side.p50Ms) : '',
      side ? ms(side.p99Ms) : '',
      paired,
      cost,
    ]),
  ]) + `\n${sampling}`
}
