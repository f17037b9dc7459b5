import { setTimeout as sleep } from 'node:timers/promises'
import type { ActivitySample, StatementCounters, TenantActivitySample } from '../../../../contract/activity-types.ts'
import { ActivitySampler, takeActivitySample } from '../../activity/activity-sample.ts'
import { counterDelta } from '../../activity/activity-history.ts'
import { zeroCounters } from '../../activity/statement-stats.ts'
import { SizeSampler } from '../../activity/tenant-sizes.ts'
import { InvalidInputError } from '../../errors.ts'
import type { CliContext } from '../cli-context.ts'
import { ExitCode } from '../cli-io.ts'
import { intFlag, parseFlags } from '../parse-args.ts'
import { TOP_FLAGS } from '../command-table.ts'
import { TOP_HELP } from '../usage.ts'
import { formatBytes, formatNumber, textTable } from '../text-table.ts'


const SORT_KEYS = ['time', 'calls', 'rows', 'read', 'temp', 'sessions', 'size', 'growth'] as const
type SortKey = (typeof SORT_KEYS)[number]

interface Row {
  tenant: TenantActivitySample
  /** Per second over the last interval. */
  rate: StatementCounters
  growth: number
}

function intervalFlag(value: unknown): number {
  if (value === undefined) return 2
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const seconds = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || seconds < 0.2 || seconds > 3600) {
    throw new InvalidInputError('interval', '--interval must be a number of seconds from 0.2 to 3600')
  }
  return seconds
}

function sortFlag(value: unknown): SortKey {
  if (value === undefined) return 'time'
  const key = SORT_KEYS.find((k) => k === value)
  if (!key) throw new InvalidInputError('sort', `--sort must be one of ${SORT_KEYS.join(', ')}`)
  return key
}

function perSecond(delta: StatementCounters | undefined, seconds: number): StatementCounters {
  const rate = zeroCounters()
  if (!delta) return rate
  for (const key of Object.keys(rate) as (keyof StatementCounters)[]) rate[key] = delta[key] / seconds
  return rate
}

function sortValue(row: Row, key: SortKey): number {
  switch (key) {
    case 'time':
      return row.rate.timeMs
    case 'calls':
      return row.rate.calls
    case 'rows':
      return row.rate.rows
    case 'read':
      return row.rate.sharedBlocksRead
    case 'temp':
      return row.rate.tempBlocks
    case 'sessions':
      return row.tenant.sessions.total
    case 'size':
      return row.tenant.sizes.totalBytes
    case 'growth':
      return row.growth
  }
}

/** One refresh of the view: what changed between two samples, per second, ranked. */
export function renderTopFrame(
  first: ActivitySample,
  previous: ActivitySample,
  current: ActivitySample,
  options: { sort: SortKey; limit: number; intervalSeconds: number },
): string[] {
  const seconds = Math.max(0.001, (Date.parse(current.at) - Date.parse(previous.at)) / 1000)
  const before = new Map(previous.tenants.map((t) => [t.schema, t]))
  const start = new Map(first.tenants.map((t) => [t.schema, t.sizes.totalBytes]))
  const rows: Row[] = current.tenants.map((tenant) => ({
    tenant,
    rate: perSecond(tenant.counters ? counterDelta(before.get(tenant.schema)?.counters ?? undefined, tenant.counters) : undefined, seconds),
    growth: tenant.sizes.totalBytes - (start.get(tenant.schema) ?? tenant.sizes.totalBytes),
  }))
  rows.sort((a, b) => sortValue(b, options.sort) - sortValue(a, options.sort) || a.tenant.schema.localeCompare(b.tenant.schema))
  const totalTime = rows.reduce((sum, row) => sum + row.rate.timeMs, 0)
  const stats = current.statementStats
  const lines = [
    `schemata top — database ${current.database}, ${current.tenants.length} tenant(s), every ${formatNumber(options.intervalSeconds)} s, ` +
      `${new Date(current.at).toLocaleTimeString('en-GB')}, sorted by ${options.sort}`,
    stats.available
      ? `statements: pg_stat_statements in schema ${stats.extensionSchema}` +
        (stats.queryText ? '' : ' (no statement texts: the login lacks pg_read_all_stats)') +
        (stats.evicted > 0 ? `; ${stats.evicted} entries evicted since reset (raise pg_stat_statements.max)` : '')
      : `statements: ${stats.message}`,
    '',
  ]
  const shown = rows.slice(0, options.limit)
  const dash = stats.available ? undefined : '–'
  lines.push(
    ...textTable(
      [
        { header: 'tenant', right: false },
        { header: 'calls/s' },
        { header: 'time ms/s' },
        { header: 'share' },
        { header: 'mean ms' },
        { header: 'rows/s' },
        { header: 'hit %' },
        { header: 'read/s' },
        { header: 'temp/s' },
        { header: 'sessions' },
        { header: 'size' },
        { header: 'growth' },
      ],
      shown.map(({ tenant, rate, growth }) => {
        const hits = rate.sharedBlocksHit + rate.sharedBlocksRead
        return [
          tenant.schema,
          dash ?? formatNumber(rate.calls),
          dash ?? formatNumber(rate.timeMs),
          dash ?? (totalTime > 0 ? `${Math.round((rate.timeMs / totalTime) * 100)} %` : '0 %'),
          dash ?? (rate.calls > 0 ? formatNumber(rate.timeMs / rate.calls, 2) : '–'),
          dash ?? formatNumber(rate.rows),
          dash ?? (hits > 0 ? formatNumber((rate.sharedBlocksHit / hits) * 100) : '–'),
          dash ?? formatNumber(rate.sharedBlocksRead),
          dash ?? formatNumber(rate.tempBlocks),
          `${tenant.sessions.active}/${tenant.sessions.total}`,
          formatBytes(tenant.sizes.totalBytes),
          growth === 0 ? '0' : `${growth > 0 ? '+' : ''}${formatBytes(growth)}`,
        ]
      }),
    ),
  )
  if (rows.length > shown.length) lines.push(`… ${rows.length - shown.length} more tenant(s) (--limit)`)
  if (current.other && previous.other) {
    const other = perSecond(counterDelta(previous.other, current.other), seconds)
    lines.push('', `not a tenant (the app's login, the migrator): ${formatNumber(other.calls)} calls/s, ${formatNumber(other.timeMs)} ms/s`)
  }
  lines.push(`sessions: active/total · growth since ${new Date(first.at).toLocaleTimeString('en-GB')}`)
  return lines
}

/** Resolves on SIGINT/SIGTERM (and stops listening once `done` settles). */
function stopSignal(done: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    void done.finally(() => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    })
  })
}

/** `schemata top`: a refreshing per-tenant cost view; `--json` prints one sample. */
export async function topCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, { ...TOP_FLAGS, help: { type: 'boolean', short: 'h' } })
  const { io } = context
  if (flags.help) {
    io.out(TOP_HELP)
    return ExitCode.ok
  }
  const intervalSeconds = intervalFlag(flags.interval)
  const sort = sortFlag(flags.sort)
  const limit = intFlag(flags, 'limit', 1, 100_000) ?? 20
  const iterations = intFlag(flags, 'iterations', 1, 1_000_000)
  if (flags.json && (flags.interval !== undefined || flags.iterations !== undefined || flags.sort !== undefined || flags.limit !== undefined)) {
    throw new InvalidInputError('json', '--json prints one sample; it takes no --interval, --iterations, --sort or --limit')
  }

  return context.withTenancy(async (tenancy) => {
    if (flags.json) {
      io.out(JSON.stringify(await takeActivitySample(tenancy.db)))
      return ExitCode.ok
    }
    // With thousands of tenants a size read takes seconds: it is repeated only as often as keeps it under a fifth of the time.
    const sizes = new SizeSampler(tenancy.db, { minEveryMs: intervalSeconds * 1000, budget: 0.2, now: Date.now })
    const sampler = new ActivitySampler(tenancy.db)
    const sample = async (): Promise<ActivitySample> => {
      if (sizes.due()) await sizes.read()
      return sampler.sample({ sizes: sizes.latest?.sizes ?? new Map() })
    }
    const first = await sample()
    if (!first.statementStats.available) io.err(first.statementStats.message)
    io.err(`sampling every ${formatNumber(intervalSeconds)} s; Ctrl+C to stop`)
    let finish = (): void => undefined
    const finished = new Promise<void>((resolve) => (finish = resolve))
    const stopped = stopSignal(finished).then(() => true)
    try {
      let previous = first
      for (let frame = 1; iterations === undefined || frame <= iterations; frame++) {
        const interrupted = await Promise.race([sleep(intervalSeconds * 1000).then(() => false), stopped])
        if (interrupted) break
        const current = await sample()
        const lines = renderTopFrame(first, previous, current, { sort, limit, intervalSeconds })
        // On a terminal the view redraws in place; piped, frames follow each other (like `top -b`).
        io.out(io.interactive ? `\u001b[H\u001b[2J${lines.join('\n')}` : `${lines.join('\n')}\n`)
        previous = current
      }
    } finally {
      finish()
    }
    return ExitCode.ok
  })
}
