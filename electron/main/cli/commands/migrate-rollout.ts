import { readFileSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import type { RolloutOptions, RunDetail, RunSummary } from '../../../../contract/rollout-types.ts'
import { InvalidInputError } from '../../errors.ts'
import { defaultConcurrency } from '../../migrations/migrate-schemas.ts'
import { formatDuration } from '../../rollout/durations.ts'
import { parseOrderFile } from '../../rollout/order-tenants.ts'
import { describePlan } from '../../rollout/plan-rollout.ts'
import { ROLLOUT_DEFAULTS, type RolloutRequest, parseOrder, rolloutOptions } from '../../rollout/rollout-options.ts'
import { type RolloutEvent, planStart, runRollout } from '../../rollout/run-rollout.ts'
import { getRun, listRuns, parseRunId, requestHalt } from '../../rollout/run-store.ts'
import type { CliContext } from '../cli-context.ts'
import { ExitCode } from '../cli-io.ts'
import { intFlag } from '../parse-args.ts'
import { textTable } from '../text-table.ts'
import type { MIGRATE_FLAG_SPEC } from './migrate-usage.ts'

type Flags = { [K in keyof typeof MIGRATE_FLAG_SPEC]?: (typeof MIGRATE_FLAG_SPEC)[K]['type'] extends 'boolean' ? boolean : string }

/** Who runs this, for the run's record (the login is the database's to say). */
function starter(): { osUser: string; host: string; via: 'cli' } {
  let osUser = process.env.USER ?? 'unknown'
  try {
    osUser = userInfo().username
  } catch {
    // No passwd entry (some containers): the environment's USER stands.
  }
  return { osUser, host: hostname(), via: 'cli' }
}

/** The order flag, reading the file of `file:PATH` (its names checked against the fleet when planning). */
function orderRequest(text: string | undefined): Pick<RolloutRequest, 'order' | 'orderFile'> {
  if (text === undefined) return {}
  const order = parseOrder(text)
  if (order.path === undefined) return { order: text }
  let content: string
  try {
    content = readFileSync(order.path, 'utf8')
  } catch (error) {
    throw new InvalidInputError('order', `cannot read ${order.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  return { order: text, orderFile: { path: order.path, schemas: parseOrderFile(content, order.path) } }
}

function only(flags: Flags, flag: string, allowed: readonly string[]): void {
  const given = Object.keys(flags).filter((k) => flags[k as keyof Flags] !== undefined && k !== flag && !allowed.includes(k))
  if (given.length > 0) throw new InvalidInputError(flag, `--${flag} takes no ${given.map((g) => `--${g}`).join(', ')}`)
}

const RESUME_OVERRIDES = ['max-failures', 'pause-between', 'lock-timeout', 'lock-retries', 'concurrency', 'no-wait', 'json', 'plan']

/** The staged side of `schemata migrate`: --plan, staged runs, --resume, --runs, --run, --halt. */
export async function rolloutCommand(context: CliContext, flags: Flags, staged: readonly string[]): Promise<number> {
  const { io } = context
  const json = flags.json === true
  if (flags.shared) throw new InvalidInputError('shared', `stages tenant migrations; --shared takes no ${[...staged, ...(flags.plan ? ['plan'] : [])].map((f) => `--${f}`).join(', ') || 'rollout flags'}`)
  if (flags['repair-checksums']) throw new InvalidInputError('repair-checksums', 'takes no rollout flags')

  if (flags.runs) {
    only(flags, 'runs', ['json'])
    const runs = await context.withTenancy((tenancy) => listRuns(tenancy.db))
    if (json) io.out(JSON.stringify(runs))
    else printRuns((line) => io.out(line), runs)
    return ExitCode.ok
  }
  if (flags.run !== undefined) {
    only(flags, 'run', ['json'])
    const id = parseRunId(flags.run, 'run')
    const run = await context.withTenancy((tenancy) => getRun(tenancy.db, id))
    if (json) io.out(JSON.stringify(run))
    else printRun((line) => io.out(line), run, true)
    return ExitCode.ok
  }
  if (flags.halt !== undefined) {
    only(flags, 'halt', ['json'])
    const id = parseRunId(flags.halt, 'halt')
    const { osUser, host } = starter()
    const run = await context.withTenancy((tenancy) => requestHalt(tenancy.db, id, `${osUser}@${host}`))
    if (json) io.out(JSON.stringify(run))
    else io.out(`run ${id}: asked to halt; it stops before its next tenant starts`)
    return ExitCode.ok
  }

  const resume = flags.resume === undefined ? undefined : parseRunId(flags.resume, 'resume')
  if (resume !== undefined) only(flags, 'resume', RESUME_OVERRIDES)
  const maxFailures = intFlag(flags, 'max-failures', 1, 1_000_000)
  const wave = intFlag(flags, 'wave', 1, 1_000_000)
  const lockRetries = intFlag(flags, 'lock-retries', 0, 100)
  const atomicLimit = intFlag(flags, 'atomic-limit', 1, 1_000_000) ?? ROLLOUT_DEFAULTS.atomicLimit
  if (flags['atomic-limit'] !== undefined && !flags.atomic) throw new InvalidInputError('atomic-limit', 'applies to --atomic runs only')
  const concurrencyFlag = intFlag(flags, 'concurrency', 1, 64)

  return context.withTenancy(async (tenancy) => {
    const request: RolloutRequest = {
      ...orderRequest(flags.order),
      concurrency: concurrencyFlag ?? defaultConcurrency(tenancy.db),
      ...(flags.canary === undefined ? {} : { canary: flags.canary }),
      ...(wave === undefined ? {} : { wave }),
      ...(maxFailures === undefined ? {} : { maxFailures }),
      ...(flags['pause-between'] === undefined ? {} : { pauseBetween: flags['pause-between'] }),
      ...(flags['lock-timeout'] === undefined ? {} : { lockTimeout: flags['lock-timeout'] }),
      ...(lockRetries === undefined ? {} : { lockRetries }),
      ...(flags.atomic ? { atomic: true } : {}),
      ...(flags.schema === undefined ? {} : { schema: flags.schema }),
    }
    const options = rolloutOptions(request)
    const overrides: Partial<RolloutOptions> = {}
    if (maxFailures !== undefined) overrides.maxFailures = options.maxFailures
    if (flags['pause-between'] !== undefined) overrides.pauseBetweenMs = options.pauseBetweenMs
    if (flags['lock-timeout'] !== undefined) overrides.lockTimeoutMs = options.lockTimeoutMs
    if (lockRetries !== undefined) overrides.lockRetries = options.lockRetries
    if (concurrencyFlag !== undefined) overrides.concurrency = concurrencyFlag
    const start = { options, starter: starter(), atomicLimit, wait: !flags['no-wait'], ...(resume === undefined ? {} : { resume, overrides }) }

    if (flags.plan) {
      const began = performance.now()
      const { rollout } = await planStart(tenancy.db, tenancy.migrations, start)
      const tookMs = performance.now() - began
      if (json) io.out(JSON.stringify(rollout.plan))
      else {
        for (const line of describePlan(rollout.plan)) io.out(line)
        io.out(`planned in ${Math.round(tookMs)} ms; nothing was changed`)
      }
      return ExitCode.ok
    }

    // Ctrl-C halts the run after the tenants in flight; a second one is the default (exit).
    let interrupted: string | null = null
    const onSigint = (): void => {
      interrupted = `Ctrl-C (${start.starter.osUser}@${start.starter.host})`
      io.err('halting after the tenants in flight (Ctrl-C again to stop at once)…')
      process.off('SIGINT', onSigint)
    }
    process.on('SIGINT', onSigint)
    try {
      const run = await runRollout(tenancy.db, tenancy.migrations, {
        ...start,
        haltRequested: () => interrupted,
        onEvent: (event) => {
          if (json) return
          if (event.type === 'waiting') io.err(`another migrator is running (${event.holder}); waiting for it to finish…`)
          else if (event.type === 'schema-failed') io.err(`[${event.index + 1}/${event.total} ${event.schema}] FAILED${event.migration ? ` in ${event.migration}` : ''}: ${event.message}`)
        },
        onRollout: (event) => {
          if (!json) io.err(describeRolloutEvent(event))
        },
      })
      if (json) io.out(JSON.stringify(run))
      else printRun((line) => io.out(line), run, false)
      return run.status === 'completed' ? ExitCode.ok : ExitCode.failure
    } finally {
      process.off('SIGINT', onSigint)
    }
  })
}

function describeRolloutEvent(event: RolloutEvent): string {
  switch (event.type) {
    case 'run-created':
      return `run ${event.runId}: ${event.tenants} tenant(s) to migrate in ${event.stages} stage(s)`
    case 'stage-start':
      return `${event.kind} ${event.number}: ${event.tenants} tenant(s)`
    case 'pause':
      return `pausing ${formatDuration(event.ms)} before the next stage`
    case 'lock-retry':
      return `retrying ${event.schemas.length} tenant(s) whose locks timed out (retry ${event.attempt}): ${event.schemas.slice(0, 10).join(', ')}`
    case 'halted':
      return `HALTING: ${event.reason}`
  }
}

function countsLine(run: RunSummary): string {
  const c = run.counts
  return `${c.planned} planned: ${c.migrated} migrated, ${c.failed} failed, ${c.lockTimeout} lock timeout, ${c.pending} untouched`
}

function printRun(out: (line: string) => void, run: RunDetail, everyTenant: boolean): void {
  const by = `${run.startedBy.osUser}@${run.startedBy.host} as ${run.startedBy.login} (${run.startedBy.via})`
  out(`run ${run.id} ${run.status}${run.haltReason ? `: ${run.haltReason}` : ''}`)
  out(`  started ${run.startedAt} by ${by}${run.resumedFrom === null ? '' : `, resuming run ${run.resumedFrom}`}${run.resumedBy.length > 0 ? `; resumed by run ${run.resumedBy.join(', ')}` : ''}`)
  out(`  tenants: ${countsLine(run)}`)
  const shown = everyTenant ? run.tenants : run.tenants.filter((t) => t.status === 'failed' || t.status === 'lock-timeout')
  for (const tenant of shown) {
    const stage = run.plan.stages[tenant.stage]
    const where = stage ? `${stage.kind} ${stage.number}` : `stage ${tenant.stage}`
    const detail = tenant.status === 'failed' || tenant.status === 'lock-timeout'
      ? `${tenant.failedMigration ? ` in ${tenant.failedMigration}` : ''}${tenant.sqlstate ? ` [${tenant.sqlstate}]` : ''}: ${tenant.message ?? ''}`
      : tenant.durationMs === null ? '' : ` (${Math.round(tenant.durationMs)} ms)`
    out(`  ${where}  ${tenant.schema}: ${tenant.status}${detail}`)
  }
  if (run.status !== 'completed' && run.status !== 'running' && run.resumedBy.length === 0) out(`resume with: schemata migrate --resume ${run.id}`)
}

function printRuns(out: (line: string) => void, runs: readonly RunSummary[]): void {
  if (runs.length === 0) {
    out('no runs yet (a staged migrate records one: see schemata migrate --help)')
    return
  }
  const rows = runs.map((run) => [
    String(run.id),
    run.status,
    run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    `${run.startedBy.osUser}@${run.startedBy.host}`,
    `${run.counts.migrated}/${run.counts.planned}`,
    String(run.counts.failed),
    String(run.counts.lockTimeout),
    [run.options.atomic ? 'atomic' : '', run.resumedFrom === null ? '' : `resumes ${run.resumedFrom}`, run.haltReason ?? ''].filter(Boolean).join('; '),
  ])
  for (const line of textTable(
    [{ header: 'RUN' }, { header: 'STATUS', right: false }, { header: 'STARTED', right: false }, { header: 'BY', right: false }, { header: 'MIGRATED' }, { header: 'FAILED' }, { header: 'LOCK' }, { header: 'NOTE', right: false }],
    rows,
  )) out(line)
}
