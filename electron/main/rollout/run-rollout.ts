import type { PlannedTenant, RolloutOptions, RunDetail, RunStarter, RunStatus } from '../../../contract/rollout-types.ts'
import type { Database } from '../db/database.ts'
import { failedStatementLabel } from '../db/pipelined-transaction.ts'
import { lockSchemasSql } from '../db/tenant-sql.ts'
import { InvalidInputError, MigrationFailedError, SchemataError } from '../errors.ts'
import type { MigrationEvent } from '../migrations/events.ts'
import { applyMigrations, lockTimeoutSetting, setupSql } from '../migrations/migrate-schema.ts'
import { type MigrationSets, type TenantResult, failureOf, migrateTenants, migrationsOfType, prepareRun } from '../migrations/migrate-schemas.ts'
import { withMigratorLock } from '../migrations/migrator-lock.ts'
import { formatDuration } from './durations.ts'
import { type FleetEntry, type ResumeShape, type Rollout, planRollout } from './plan-rollout.ts'
import { OutcomeWriter, createRun, finishRun, getRun, haltRequestedBy, markInterrupted } from './run-store.ts'

/** PostgreSQL's "lock_not_available": what a lock_timeout raises. */
export const LOCK_NOT_AVAILABLE = '55P03'

/** What a staged run reports besides the migrator's per-tenant events (for the CLI's lines). */
export type RolloutEvent =
  | { type: 'run-created'; runId: number; tenants: number; stages: number }
  | { type: 'stage-start'; kind: 'canary' | 'wave'; number: number; tenants: number }
  | { type: 'pause'; ms: number }
  | { type: 'lock-retry'; schemas: string[]; attempt: number }
  | { type: 'halted'; reason: string }

export interface StartRollout {
  options: RolloutOptions
  starter: Omit<RunStarter, 'login'>
  /** The run to continue: its remaining tenants, with its options but for `overrides`; `options` is then not read. */
  resume?: number
  overrides?: Partial<Pick<RolloutOptions, 'maxFailures' | 'pauseBetweenMs' | 'lockTimeoutMs' | 'lockRetries' | 'concurrency'>>
  /** Largest fleet an atomic run may take. */
  atomicLimit: number
  /** When another migrator runs: wait for it (default) or fail with MigratorBusyError. */
  wait?: boolean
  onEvent?: (event: MigrationEvent) => void
  onRollout?: (event: RolloutEvent) => void
  /** A halt asked for in this process (Ctrl-C, the console's Halt): who asked, or null. */
  haltRequested?: () => string | null
  /** How often the run table is read for a halt asked for by another process; default 500 ms. */
  haltPollMs?: number
}

const RESUMABLE: readonly RunStatus[] = ['halted', 'incomplete', 'interrupted', 'failed']

/** The halted run's remaining tenants, in the stages it gave them; refuses a run that cannot be resumed. */
async function resumeShape(db: Database, id: number): Promise<{ shape: ResumeShape; options: RolloutOptions }> {
  const run = await getRun(db, id, 'resume')
  if (run.resumedBy.length > 0) {
    throw new InvalidInputError('resume', `run ${id} was already resumed by run ${run.resumedBy.join(', ')}; resume that one if it did not finish`)
  }
  if (!RESUMABLE.includes(run.status)) {
    throw new InvalidInputError('resume', `run ${id} is ${run.status}; only a halted, incomplete, interrupted or failed run can be resumed`)
  }
  const done = new Set(run.tenants.filter((t) => t.status === 'migrated' || t.status === 'skipped').map((t) => t.schema))
  return {
    options: run.options,
    shape: {
      stages: run.plan.stages.map((stage) => ({ kind: stage.kind, number: stage.number, schemas: stage.tenants.map((t) => t.schema).filter((s) => !done.has(s)) })),
    },
  }
}

/** Plans a run (a new one, or the rest of a halted one): bad input is refused here, before anything runs. */
export async function planStart(db: Database, sets: MigrationSets, request: StartRollout): Promise<{ rollout: Rollout; options: RolloutOptions }> {
  if (request.resume === undefined) {
    return { rollout: await planRollout(db, sets, request.options, { atomicLimit: request.atomicLimit }), options: request.options }
  }
  const { shape, options: recorded } = await resumeShape(db, request.resume)
  const options: RolloutOptions = { ...recorded, ...request.overrides }
  return { rollout: await planRollout(db, sets, options, { atomicLimit: request.atomicLimit, resume: shape }), options }
}

/**
 * `migrate` with a plan: a recorded run that migrates the tenants stage by
 * stage (canary, waves) through the fleet migrator, braking before the next
 * tenant once `maxFailures` tenants failed (or the canary failed, or someone
 * asked it to halt), retrying tenants whose locks timed out at the end of
 * their stage; or, atomic, every tenant in one transaction. Each tenant is
 * either fully migrated or untouched. Holds the migrator lock throughout,
 * pauses included. Returns the run as recorded.
 */
export async function runRollout(db: Database, sets: MigrationSets, request: StartRollout): Promise<RunDetail> {
  const emit = request.onEvent ?? (() => undefined)
  const tell = request.onRollout ?? (() => undefined)
  // Checked once before waiting for the lock, so bad input never waits for another migrator.
  await planStart(db, sets, request)

  return withMigratorLock(db, { wait: request.wait ?? true, onWaiting: (holder) => emit({ type: 'waiting', holder }) }, async () => {
    const tablesReady = (await db.rows<{ ok: boolean }>("SELECT to_regclass('public.schemata_runs') IS NOT NULL AS ok"))[0]?.ok === true
    // We hold the migrator lock: a run still marked running has lost its process.
    if (tablesReady) await markInterrupted(db)
    let { rollout, options } = await planStart(db, sets, request)
    const sharedFirst = rollout.plan.shared
    const sharedOutcome = await prepareRun(db, sets, {
      runShared: true,
      runTenant: true,
      concurrency: options.concurrency,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    })
    if (sharedOutcome?.status === 'failed') {
      throw new SchemataError('MIGRATION_FAILED', `shared migrations failed${sharedOutcome.failedMigration ? ` in ${sharedOutcome.failedMigration}` : ''}: ${sharedOutcome.message ?? 'unknown error'}; no tenant was migrated`)
    }
    // The shared migrations may have made the run tables; plan again on what they left.
    if (sharedFirst.length > 0) ({ rollout, options } = await planStart(db, sets, request))
    rollout.plan.shared = sharedFirst

    const runId = await createRun(db, {
      starter: request.starter,
      options,
      plan: rollout.plan,
      ...(request.resume === undefined ? {} : { resumedFrom: request.resume }),
    })
    const total = rollout.plan.counts.toMigrate
    tell({ type: 'run-created', runId, tenants: total, stages: rollout.plan.stages.length })
    emit({ type: 'run-start', shared: sharedFirst.length > 0, tenants: total })
    const writer = new OutcomeWriter(db, runId)
    try {
      const end = options.atomic
        ? await runAtomic(db, sets, rollout, options, writer, emit)
        : await runStaged(db, sets, rollout, options, writer, { emit, tell, runId, request })
      await writer.flush()
      await finishRun(db, runId, end.status, end.reason)
    } catch (error) {
      // Whatever stopped the runner itself (the database gone, a bug): the run says so, and can be resumed.
      await writer.flush().catch(() => undefined)
      await finishRun(db, runId, 'failed', `the run stopped: ${error instanceof Error ? error.message : String(error)}`).catch(() => undefined)
      throw error
    }
    return getRun(db, runId)
  })
}

interface RunEnd {
  status: Exclude<RunStatus, 'running'>
  reason: string | null
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

async function runStaged(
  db: Database,
  sets: MigrationSets,
  { plan, fleet }: Rollout,
  options: RolloutOptions,
  writer: OutcomeWriter,
  io: { emit: (event: MigrationEvent) => void; tell: (event: RolloutEvent) => void; runId: number; request: StartRollout },
): Promise<RunEnd> {
  const { emit, tell, runId, request } = io
  let haltReason: string | null = null
  let failed = 0
  const lockTimedOut = new Set<string>()
  const failedSchemas: string[] = []
  const attempts = new Map<string, number>()
  const halt = (reason: string): void => {
    if (haltReason !== null) return
    haltReason = reason
    tell({ type: 'halted', reason })
  }
  const halted = (): boolean => {
    const local = request.haltRequested?.()
    if (local) halt(`halted by ${local}`)
    return haltReason !== null
  }
  // A halt asked for by another process arrives through the run's row.
  let polling = false
  const poller = setInterval(() => {
    if (polling || haltReason !== null) return
    polling = true
    haltRequestedBy(db, runId)
      .then((by) => {
        if (by !== null) halt(`halted by ${by}`)
      })
      .catch(() => undefined)
      .finally(() => {
        polling = false
      })
  }, request.haltPollMs ?? 500)
  poller.unref()

  const record = (result: TenantResult): void => {
    const tries = (attempts.get(result.schema) ?? 0) + 1
    attempts.set(result.schema, tries)
    const common = {
      schema: result.schema,
      attempts: tries,
      durationMs: result.durationMs,
      applied: result.applied,
      ...(result.startedAt === undefined ? {} : { startedAt: result.startedAt }),
    }
    switch (result.status) {
      case 'migrated':
        lockTimedOut.delete(result.schema)
        writer.add({ ...common, status: 'migrated' })
        return
      case 'up-to-date':
      case 'dropped':
        lockTimedOut.delete(result.schema)
        writer.add({ ...common, status: 'skipped', message: result.status === 'dropped' ? 'dropped during the run' : 'nothing was pending when its turn came' })
        return
      case 'not-started':
        return
      case 'failed': {
        const failure = {
          ...common,
          ...(result.failedMigration === undefined ? {} : { failedMigration: result.failedMigration }),
          ...(result.sqlstate === undefined ? {} : { sqlstate: result.sqlstate }),
        }
        if (result.sqlstate === LOCK_NOT_AVAILABLE) {
          // Not a failure of the migration: the tenant was busy. Retried at the end of its stage.
          lockTimedOut.add(result.schema)
          writer.add({ ...failure, status: 'lock-timeout', message: `lock timeout: no lock within ${formatDuration(options.lockTimeoutMs)} (${plural(tries, 'attempt')}): ${result.message ?? ''}` })
          return
        }
        failed++
        failedSchemas.push(result.schema)
        writer.add({ ...failure, status: 'failed', message: result.message ?? 'unknown error' })
        if (failed >= options.maxFailures) halt(`${plural(failed, 'tenant')} failed (--max-failures ${options.maxFailures}): ${failedSchemas.slice(0, 5).join(', ')}`)
      }
    }
  }

  try {
    let indexBase = 0
    for (const [i, stage] of plan.stages.entries()) {
      if (halted()) break
      if (i > 0 && options.pauseBetweenMs > 0) {
        tell({ type: 'pause', ms: options.pauseBetweenMs })
        await pause(options.pauseBetweenMs, halted)
        if (halted()) break
      }
      tell({ type: 'stage-start', kind: stage.kind, number: stage.number, tenants: stage.tenants.length })
      const entries = (tenants: readonly PlannedTenant[] | readonly string[]): FleetEntry[] =>
        tenants.map((t) => fleet.get(typeof t === 'string' ? t : t.schema) as FleetEntry)
      const failedBefore = failed
      let round = entries(stage.tenants)
      for (let attempt = 0; ; attempt++) {
        await migrateTenants(db, sets, round, {
          concurrency: options.concurrency,
          emit,
          lockTimeoutMs: options.lockTimeoutMs,
          shouldStart: () => !halted(),
          onResult: record,
          indexBase,
          total: plan.counts.toMigrate,
        })
        const retry = round.filter((t) => lockTimedOut.has(t.schema))
        if (retry.length === 0 || attempt >= options.lockRetries || halted()) break
        tell({ type: 'lock-retry', schemas: retry.map((t) => t.schema), attempt: attempt + 1 })
        round = retry
      }
      indexBase += stage.tenants.length
      await writer.flush()
      if (stage.kind === 'canary' && failed > failedBefore) halt(`the canary failed: ${failedSchemas.slice(failedBefore).join(', ')}`)
    }
  } finally {
    clearInterval(poller)
  }

  if (haltReason !== null) return { status: 'halted', reason: haltReason }
  if (failed > 0 || lockTimedOut.size > 0) {
    const parts = [failed > 0 ? `${plural(failed, 'tenant')} failed` : '', lockTimedOut.size > 0 ? `${plural(lockTimedOut.size, 'tenant')} could not get a lock (lock timeout)` : '']
    return { status: 'incomplete', reason: `${parts.filter(Boolean).join(', ')}; resume the run to try them again` }
  }
  return { status: 'completed', reason: null }
}

/** Waits `ms`, waking early when the run is asked to halt. */
async function pause(ms: number, halted: () => boolean): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until && !halted()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(200, until - Date.now())))
  }
}

/**
 * Every tenant in one transaction: each tenant's statements under its own
 * search_path, one after the other, all committed together or not at all —
 * possible only because the tenants share one database. Every schema's lock
 * is taken first, in key order (as every multi-schema operation does, so two
 * never deadlock). A lock timeout retries the whole transaction.
 */
async function runAtomic(
  db: Database,
  sets: MigrationSets,
  { plan, fleet }: Rollout,
  options: RolloutOptions,
  writer: OutcomeWriter,
  emit: (event: MigrationEvent) => void,
): Promise<RunEnd> {
  const planned = new Map(plan.stages.flatMap((stage) => stage.tenants).map((t) => [t.schema, t.pending]))
  const tenants = [...planned.keys()].map((schema) => fleet.get(schema) as FleetEntry)
  if (tenants.length === 0) return { status: 'completed', reason: null }
  const schemas = tenants.map((t) => t.schema)
  for (let attempt = 1; ; attempt++) {
    const startedAt = new Date()
    const began = performance.now()
    try {
      await db.transaction(
        async (tx) => {
          tx.exec(`SET LOCAL lock_timeout = ${lockTimeoutSetting(options.lockTimeoutMs)};\n${lockSchemasSql(schemas)}`)
          for (const [index, tenant] of tenants.entries()) {
            const migrations = migrationsOfType(sets, tenant.type)
            if (typeof migrations === 'string') throw new MigrationFailedError(tenant.schema, undefined, new Error(migrations))
            emit({ type: 'schema-start', schema: tenant.schema, index, total: tenants.length, pending: planned.get(tenant.schema)?.length ?? 0 })
            tx.exec(setupSql(tenant.schema), undefined, `${tenant.schema}/`)
            await applyMigrations(tx, {
              schema: tenant.schema,
              migrations,
              mirrorToCentral: true,
              applied: tenant.applied,
              labelOf: (migration) => `${tenant.schema}/${migration}`,
            })
          }
        },
        { resetSession: db.sessionResetSql },
      )
      const durationMs = performance.now() - began
      for (const [index, tenant] of tenants.entries()) {
        const applied = planned.get(tenant.schema) ?? []
        emit({ type: 'schema-done', schema: tenant.schema, index, total: tenants.length, applied })
        // One transaction for all: each tenant's share of it is what later estimates can use.
        writer.add({ schema: tenant.schema, status: 'migrated', attempts: attempt, startedAt, durationMs: durationMs / tenants.length, applied })
      }
      return { status: 'completed', reason: null }
    } catch (error) {
      const { schema, migration } = whereItFailed(error)
      const failure = failureOf(schema ?? '(unknown)', error)
      const lockTimeout = failure.sqlstate === LOCK_NOT_AVAILABLE
      if (lockTimeout && attempt <= options.lockRetries) continue
      const durationMs = performance.now() - began
      if (schema !== undefined) {
        writer.add({
          schema,
          status: lockTimeout ? 'lock-timeout' : 'failed',
          attempts: attempt,
          startedAt,
          durationMs,
          ...(migration === undefined ? {} : { failedMigration: migration }),
          ...(failure.sqlstate === undefined ? {} : { sqlstate: failure.sqlstate }),
          message: failure.message ?? 'unknown error',
        })
        emit({ type: 'schema-failed', schema, index: schemas.indexOf(schema), total: schemas.length, ...(migration === undefined ? {} : { migration }), message: failure.message ?? 'unknown error' })
      }
      const where = schema === undefined ? '' : ` in ${schema}${migration === undefined ? '' : ` (${migration})`}`
      return {
        status: 'failed',
        reason: `atomic run rolled back, no tenant was changed: ${lockTimeout ? 'lock timeout' : 'failed'}${where}: ${failure.message ?? 'unknown error'}`,
      }
    }
  }
}

/** Which tenant and migration an atomic run's failure came from: its statement's label, `schema/migration`. */
function whereItFailed(error: unknown): { schema?: string; migration?: string } {
  if (error instanceof MigrationFailedError) return { schema: error.schema, ...(error.migration === undefined ? {} : { migration: error.migration }) }
  const label = failedStatementLabel(error)
  if (label === undefined) return {}
  const slash = label.indexOf('/')
  const schema = label.slice(0, slash)
  const migration = label.slice(slash + 1)
  return { schema, ...(migration === '' ? {} : { migration }) }
}

