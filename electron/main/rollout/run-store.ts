import type {
  PlannedStage,
  RolloutOptions,
  RolloutPlan,
  RunCounts,
  RunDetail,
  RunStarter,
  RunStatus,
  RunSummary,
  RunTenantOutcome,
  RunTenantStatus,
} from '../../../contract/rollout-types.ts'
import type { Database } from '../db/database.ts'
import { InvalidInputError } from '../errors.ts'

/*
 * Runs in the database (registry migration 0007): a row per run, a row per
 * tenant of its plan. Every statement here is one round trip at most; tenant
 * outcomes are written in batches (see OutcomeWriter), so recording a run of
 * 10,000 tenants costs a few statements, not 10,000.
 */

interface RunRow {
  id: string
  status: RunStatus
  started_at: Date
  finished_at: Date | null
  started_by: RunStarter
  options: RolloutOptions
  halt_reason: string | null
  resumed_from: string | null
  resumed_by: string[] | null
  planned: number
  migrated: number
  failed: number
  lock_timeout: number
  pending: number
}

const SUMMARY_SQL = `
  SELECT r.id, r.status, r.started_at, r.finished_at, r.started_by, r.options, r.halt_reason, r.resumed_from,
         (SELECT array_agg(n.id ORDER BY n.id) FROM public.schemata_runs n WHERE n.resumed_from = r.id) AS resumed_by,
         count(t.schema)::int AS planned,
         count(t.schema) FILTER (WHERE t.status IN ('migrated', 'skipped'))::int AS migrated,
         count(t.schema) FILTER (WHERE t.status = 'failed')::int AS failed,
         count(t.schema) FILTER (WHERE t.status = 'lock-timeout')::int AS lock_timeout,
         count(t.schema) FILTER (WHERE t.status = 'pending')::int AS pending
    FROM public.schemata_runs r LEFT JOIN public.schemata_run_tenants t ON t.run_id = r.id`

function summaryOf(row: RunRow): RunSummary {
  const counts: RunCounts = { planned: row.planned, migrated: row.migrated, failed: row.failed, lockTimeout: row.lock_timeout, pending: row.pending }
  return {
    id: Number(row.id),
    status: row.status,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    startedBy: row.started_by,
    options: row.options,
    counts,
    haltReason: row.halt_reason,
    resumedFrom: row.resumed_from === null ? null : Number(row.resumed_from),
    resumedBy: (row.resumed_by ?? []).map(Number),
  }
}

/** A run id as given on a command line or by the console: a positive whole number. */
export function parseRunId(text: string | number, field = 'resume'): number {
  const id = typeof text === 'number' ? text : /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidInputError(field, `${JSON.stringify(String(text))} is not a run id (a whole number; see schemata migrate --runs)`)
  return id
}

/** The runs, newest first (at most `limit`). A database without the run tables has none. */
export async function listRuns(db: Database, limit = 50): Promise<RunSummary[]> {
  if (!(await runTablesExist(db))) return []
  const rows = await db.rows<RunRow>(`${SUMMARY_SQL} GROUP BY r.id ORDER BY r.id DESC LIMIT $1`, [limit])
  return rows.map(summaryOf)
}

async function runTablesExist(db: Database): Promise<boolean> {
  const [row] = await db.rows<{ present: boolean }>("SELECT to_regclass('public.schemata_runs') IS NOT NULL AS present")
  return row?.present === true
}

interface TenantRow {
  schema: string
  stage: number
  status: RunTenantStatus
  attempts: number
  started_at: Date | null
  duration_ms: number | null
  applied: string[]
  failed_migration: string | null
  sqlstate: string | null
  message: string | null
}

/** One run with its plan and every tenant's outcome; an unknown id is invalid input naming `field`. */
export async function getRun(db: Database, id: number, field = 'run'): Promise<RunDetail> {
  const missing = new InvalidInputError(field, `there is no run ${id} (see schemata migrate --runs)`)
  if (!(await runTablesExist(db))) throw missing
  const [row] = await db.rows<RunRow & { plan: RolloutPlan }>(`${SUMMARY_SQL.replace('r.resumed_from,', 'r.resumed_from, r.plan,')} WHERE r.id = $1 GROUP BY r.id`, [id])
  if (!row) throw missing
  const tenants = await db.rows<TenantRow>(
    `SELECT schema, stage, status, attempts, started_at, duration_ms, applied, failed_migration, sqlstate, message
       FROM public.schemata_run_tenants WHERE run_id = $1 ORDER BY stage, position`,
    [id],
  )
  return {
    ...summaryOf(row),
    plan: row.plan,
    tenants: tenants.map(
      (t): RunTenantOutcome => ({
        schema: t.schema,
        stage: t.stage,
        status: t.status,
        attempts: t.attempts,
        startedAt: t.started_at?.toISOString() ?? null,
        durationMs: t.duration_ms,
        applied: t.applied,
        failedMigration: t.failed_migration,
        sqlstate: t.sqlstate,
        message: t.message,
      }),
    ),
  }
}

/**
 * Runs still marked running although nobody runs them: the caller holds the
 * migrator lock, so their process died. They become `interrupted` (resumable).
 */
export async function markInterrupted(db: Database): Promise<void> {
  await db.exec(
    `UPDATE public.schemata_runs SET status = 'interrupted', finished_at = now(),
            halt_reason = coalesce(halt_reason, 'the process running it stopped before it finished')
      WHERE status = 'running'`,
  )
}

/** Records a new run and its plan's tenants (stage by stage, in run order); returns its id. */
export async function createRun(
  db: Database,
  run: { starter: Omit<RunStarter, 'login'>; options: RolloutOptions; plan: RolloutPlan; resumedFrom?: number },
): Promise<number> {
  const stages: PlannedStage[] = run.plan.stages
  const schemas: string[] = []
  const stageOf: number[] = []
  const pending: string[] = []
  stages.forEach((stage, index) => {
    for (const tenant of stage.tenants) {
      schemas.push(tenant.schema)
      stageOf.push(index)
      // text[][] must be rectangular, so each tenant's list travels as one JSON array.
      pending.push(JSON.stringify(tenant.pending))
    }
  })
  const [row] = await db.rows<{ id: string }>(
    `WITH run AS (
       INSERT INTO public.schemata_runs (started_by, options, plan, resumed_from)
       VALUES (jsonb_build_object('login', current_user::text) || $1::jsonb, $2::jsonb, $3::jsonb, $4::bigint)
       RETURNING id),
     tenants AS (
       INSERT INTO public.schemata_run_tenants (run_id, schema, stage, position, pending)
       SELECT run.id, x.schema, x.stage, x.ord::int,
              ARRAY(SELECT jsonb_array_elements_text(x.pending::jsonb))
         FROM run, unnest($5::text[], $6::int[], $7::text[]) WITH ORDINALITY AS x(schema, stage, pending, ord))
     SELECT id FROM run`,
    [JSON.stringify(run.starter), JSON.stringify(run.options), JSON.stringify(run.plan), run.resumedFrom ?? null, schemas, stageOf, pending],
  )
  return Number(row?.id)
}

/** A tenant's outcome as the runner reports it, written by OutcomeWriter. */
export interface TenantOutcomeUpdate {
  schema: string
  status: RunTenantStatus
  /** Transactions tried for it so far in this run. */
  attempts: number
  startedAt?: Date
  durationMs?: number
  applied?: string[]
  failedMigration?: string
  sqlstate?: string
  message?: string
}

/**
 * Buffers tenant outcomes and writes them in one statement per batch (when
 * `batch` are waiting, and on `flush`); writes never overlap. A tenant
 * written twice (a lock-timeout retried) keeps the last outcome.
 */
export class OutcomeWriter {
  private waiting = new Map<string, TenantOutcomeUpdate>()
  private writing: Promise<void> = Promise.resolve()
  private failure: Error | undefined

  constructor(
    private readonly db: Database,
    private readonly runId: number,
    private readonly batch = 200,
  ) {}

  add(update: TenantOutcomeUpdate): void {
    // A tenant retried before its first outcome was written: the last one wins.
    this.waiting.set(update.schema, update)
    if (this.waiting.size >= this.batch) void this.flush()
  }

  /** Writes everything added so far; rejects if any write failed. */
  flush(): Promise<void> {
    const updates = [...this.waiting.values()]
    this.waiting = new Map()
    if (updates.length > 0) {
      this.writing = this.writing.then(() => this.write(updates)).catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error))
      })
    }
    return this.writing.then(() => {
      if (this.failure !== undefined) throw this.failure
    })
  }

  private async write(updates: TenantOutcomeUpdate[]): Promise<void> {
    await this.db.exec(
      `UPDATE public.schemata_run_tenants t
          SET status = x.status, attempts = x.attempts,
              started_at = coalesce(x.started_at, t.started_at), duration_ms = x.duration_ms,
              applied = ARRAY(SELECT jsonb_array_elements_text(x.applied::jsonb)),
              failed_migration = x.failed_migration, sqlstate = x.sqlstate, message = x.message
         FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[])
              AS x(schema, status, started_at, duration_ms, applied, failed_migration, sqlstate, message, attempts)
        WHERE t.run_id = $1 AND t.schema = x.schema`,
      [
        this.runId,
        updates.map((u) => u.schema),
        updates.map((u) => u.status),
        updates.map((u) => u.startedAt ?? null),
        updates.map((u) => u.durationMs ?? null),
        updates.map((u) => JSON.stringify(u.applied ?? [])),
        updates.map((u) => u.failedMigration ?? null),
        updates.map((u) => u.sqlstate ?? null),
        updates.map((u) => u.message ?? null),
        updates.map((u) => u.attempts),
      ],
    )
  }
}

/** Closes a run: its final status and, when it did not complete, why. */
export async function finishRun(db: Database, id: number, status: Exclude<RunStatus, 'running'>, haltReason: string | null): Promise<void> {
  await db.exec('UPDATE public.schemata_runs SET status = $2, finished_at = now(), halt_reason = $3 WHERE id = $1', [id, status, haltReason])
}

/** Whether someone asked the run to halt (the console's Halt, another CLI): who, or null. */
export async function haltRequestedBy(db: Database, id: number): Promise<string | null> {
  const [row] = await db.rows<{ by: string | null }>(
    "SELECT CASE WHEN halt_requested_at IS NULL THEN NULL ELSE coalesce(halt_requested_by, 'someone') END AS by FROM public.schemata_runs WHERE id = $1",
    [id],
  )
  return row?.by ?? null
}

/**
 * Asks a running run to halt before its next tenant starts (the runner reads
 * this within a second). A run that is not running is invalid input saying
 * what it is instead.
 */
export async function requestHalt(db: Database, id: number, by: string): Promise<RunSummary> {
  const run = await getRun(db, id, 'run')
  if (run.status !== 'running') throw new InvalidInputError('run', `run ${id} is ${run.status}, not running; there is nothing to halt`)
  await db.exec('UPDATE public.schemata_runs SET halt_requested_at = coalesce(halt_requested_at, now()), halt_requested_by = coalesce(halt_requested_by, $2) WHERE id = $1', [id, by])
  const { plan: _plan, tenants: _tenants, ...summary } = await getRun(db, id, 'run')
  return summary
}
