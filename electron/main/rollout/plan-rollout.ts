import type { PlannedStage, PlannedTenant, RolloutOptions, RolloutPlan } from '../../../contract/rollout-types.ts'
import { readTenantSizes } from '../activity/tenant-sizes.ts'
import type { Database } from '../db/database.ts'
import { InvalidInputError, TenantNotFoundError } from '../errors.ts'
import { type FleetTenant, type MigrationSets, migrationsOfType, pendingSharedMigrations } from '../migrations/migrate-schemas.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { DurationEstimator, type PastTenantRun, stageEstimate } from './estimate.ts'
import { formatDuration } from './durations.ts'
import { orderTenants } from './order-tenants.ts'
import { buildStages, canarySeed } from './stages.ts'

/** A tenant of the fleet as a run needs it: what ordering reads, and what the migrator reads. */
export interface FleetEntry extends FleetTenant {
  name: string
  createdAt: string
  sizeBytes: number
}

/** A plan and the fleet it was made from (the runner migrates `fleet` entries stage by stage). */
export interface Rollout {
  plan: RolloutPlan
  fleet: ReadonlyMap<string, FleetEntry>
}

interface FleetRow {
  schema: string
  name: string
  type: string
  created_at: string
  /** The applied migrations' names in name order, joined by APPLIED_SEPARATOR ('' for none). */
  applied: string
}

/** Joins a tenant's ledger into one text value: a text column is parsed far faster than a text[] one. */
const APPLIED_SEPARATOR = '\u001f'

/** How many recent migrated tenants the estimates read: a median needs a sample, not the whole history. */
const HISTORY_SAMPLE = 2000

/**
 * The fleet in one statement from the registry and the central ledger (so a
 * plan of 10,000 tenants costs one query, not one per schema). Archived and
 * moved tenants have no schema here, as in a plain `migrate`.
 */
async function readFleet(db: Database, only: string | undefined): Promise<FleetRow[]> {
  return db.rows<FleetRow>(
    `SELECT t.schema, t.name, t.type, to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
            coalesce(string_agg(m.name, E'\\x1f' ORDER BY m.name), '') AS applied
       FROM public.tenants t LEFT JOIN public.tenant_migrations m ON m.schema = t.schema
      WHERE ($1::text IS NULL OR t.schema = $1) AND t.status NOT IN ('archived', 'moved')
      GROUP BY t.id`,
    [only ?? null],
  )
}

/** What the registry has so far: on a new database the shared migrations make it, and 0007 the run tables. */
async function presentTables(db: Database): Promise<{ registry: boolean; runs: boolean }> {
  const [row] = await db.rows<{ registry: boolean; runs: boolean }>(
    `SELECT to_regclass('public.tenant_migrations') IS NOT NULL AS registry,
            to_regclass('public.schemata_run_tenants') IS NOT NULL AS runs`,
  )
  return { registry: row?.registry === true, runs: row?.runs === true }
}

/** Recent runs' migrated tenants (what they applied, how long it took), newest runs first. */
async function readHistory(db: Database): Promise<{ history: PastTenantRun[]; runs: number }> {
  const rows = await db.rows<{ run_id: string; applied: string[]; duration_ms: number }>(
    `SELECT run_id, applied, duration_ms FROM public.schemata_run_tenants
      WHERE status = 'migrated' AND duration_ms IS NOT NULL AND cardinality(applied) > 0
      ORDER BY run_id DESC LIMIT ${HISTORY_SAMPLE}`,
  )
  return { history: rows.map((row) => ({ applied: row.applied, durationMs: row.duration_ms })), runs: new Set(rows.map((row) => row.run_id)).size }
}

/** Where a resumed run picks up: the tenants still to do, in the stages the first run gave them. */
export interface ResumeShape {
  stages: { kind: PlannedStage['kind']; number: number; schemas: string[] }[]
}

/**
 * What a run with `options` would do, computed from the registry and the
 * central ledger, changing nothing: the shared migrations first, then per
 * stage each tenant's pending migrations in order, with estimates from past
 * runs. Bad input (an order file or canary naming no tenant, an atomic run
 * beyond `atomicLimit`) is refused here, before anything runs. With
 * `resume`, the stages are the halted run's remaining ones instead.
 */
export async function planRollout(
  db: Database,
  sets: MigrationSets,
  options: RolloutOptions,
  extra: { atomicLimit?: number; resume?: ResumeShape } = {},
): Promise<Rollout> {
  if (options.schema !== undefined) assertSchemaName(options.schema, 'schema')
  const tables = await presentTables(db)
  const [shared, rows, past] = await Promise.all([
    pendingSharedMigrations(db, sets),
    tables.registry ? readFleet(db, options.schema) : Promise.resolve([]),
    tables.runs ? readHistory(db) : Promise.resolve({ history: [], runs: 0 }),
  ])
  if (options.schema !== undefined && rows.length === 0) throw new TenantNotFoundError(options.schema)
  const sizes = options.order === 'size' ? await readTenantSizes(db, options.schema) : undefined
  const estimator = new DurationEstimator(past.history, past.runs)

  // A fleet shares a handful of distinct ledgers: each (type, ledger) is split and worked out once.
  type Work = { applied: string[]; pending: string[]; estimateMs: number | null }
  const byLedger = new Map<string, Work>()
  const workOf = new Map<string, Work>()
  const fleet = new Map<string, FleetEntry>()
  const unknownTypes: string[] = []
  for (const row of rows) {
    const ofType = migrationsOfType(sets, row.type)
    if (typeof ofType === 'string') {
      unknownTypes.push(`${row.schema} (${row.type})`)
      continue
    }
    const key = `${row.type}\n${row.applied}`
    let work = byLedger.get(key)
    if (!work) {
      const applied = row.applied === '' ? [] : row.applied.split(APPLIED_SEPARATOR)
      const done = new Set(applied)
      const pending = ofType.map((m) => m.name).filter((name) => !done.has(name))
      byLedger.set(key, (work = { applied, pending, estimateMs: estimator.estimate(pending) }))
    }
    workOf.set(row.schema, work)
    fleet.set(row.schema, {
      schema: row.schema,
      name: row.name,
      type: row.type,
      applied: work.applied,
      createdAt: row.created_at,
      sizeBytes: sizes?.get(row.schema)?.totalBytes ?? 0,
    })
  }
  if (unknownTypes.length > 0) {
    throw new InvalidInputError('type', `tenants of a type this project does not declare cannot be planned: ${unknownTypes.slice(0, 5).join(', ')}${unknownTypes.length > 5 ? ` and ${unknownTypes.length - 5} more` : ''} (see schemata doctor)`)
  }
  const pendingOf = (entry: FleetEntry): PlannedTenant => {
    const work = workOf.get(entry.schema) as Work
    return { schema: entry.schema, name: entry.name, pending: work.pending, estimateMs: work.estimateMs }
  }

  const { ordered, unlisted } = orderTenants([...fleet.values()], options.order, options.orderFile)
  const planned = ordered.map(pendingOf)
  const toMigrate = planned.filter((t) => t.pending.length > 0)
  const seed = canarySeed(toMigrate)
  let stages: PlannedStage[]
  if (extra.resume) {
    const bySchema = new Map(toMigrate.map((t) => [t.schema, t]))
    stages = extra.resume.stages
      .map((stage) => ({ kind: stage.kind, number: stage.number, tenants: stage.schemas.flatMap((s) => bySchema.get(s) ?? []), estimateMs: null }))
      .filter((stage) => stage.tenants.length > 0)
  } else {
    // A canary or order file naming no tenant is refused even when the fleet is up to date.
    stages = buildStages(toMigrate, new Set(fleet.keys()), options, seed)
  }
  const inStages = stages.reduce((n, s) => n + s.tenants.length, 0)

  if (options.atomic && extra.atomicLimit !== undefined && inStages > extra.atomicLimit) {
    throw new InvalidInputError(
      'atomic',
      `--atomic holds every tenant's locks in one transaction until it commits; ${inStages} tenants to migrate is above the limit of ${extra.atomicLimit} (raise it with --atomic-limit N, within what the server's lock table holds: max_locks_per_transaction × (max_connections + max_prepared_transactions)), or run in stages`,
    )
  }

  for (const stage of stages) stage.estimateMs = options.atomic ? null : stageEstimate(stage.tenants.map((t) => t.estimateMs), options.concurrency)
  let estimateMs: number | null
  if (options.atomic) {
    // One transaction: the tenants go one after the other.
    const all = stages.flatMap((s) => s.tenants.map((t) => t.estimateMs))
    estimateMs = all.some((e) => e === null) ? null : (all as number[]).reduce((a, b) => a + b, 0)
  } else {
    estimateMs = stages.some((s) => s.estimateMs === null) ? null : stages.reduce((sum, s) => sum + (s.estimateMs as number), 0) + options.pauseBetweenMs * Math.max(0, stages.length - 1)
  }
  if (inStages === 0) estimateMs = 0

  const plan: RolloutPlan = {
    shared,
    stages,
    upToDate: planned.length - toMigrate.length,
    counts: { tenants: planned.length, toMigrate: inStages, migrations: stages.reduce((n, s) => n + s.tenants.reduce((m, t) => m + t.pending.length, 0), 0) },
    estimateMs,
    estimateBasis: estimator.basis,
  }
  if (options.canary && 'count' in options.canary && !extra.resume) plan.canarySeed = seed
  if (unlisted.length > 0) plan.unlisted = unlisted
  return { plan, fleet }
}

/** A plan in words, for the terminal: stages, tenants and their pending migrations, estimates. */
export function describePlan(plan: RolloutPlan, options: { tenantLimit?: number } = {}): string[] {
  const limit = options.tenantLimit ?? 20
  const est = (ms: number | null): string => (ms === null ? 'no estimate' : `~${formatDuration(ms)}`)
  const lines: string[] = []
  lines.push(plan.shared.length > 0 ? `public: ${plan.shared.length} shared migration(s) first: ${plan.shared.join(', ')}` : 'public: up to date')
  lines.push(
    `tenants: ${plan.counts.tenants}, ${plan.counts.toMigrate} to migrate (${plan.counts.migrations} migration(s)), ${plan.upToDate} up to date; ` +
      `estimate ${est(plan.estimateMs)} (${plan.estimateBasis})`,
  )
  if (plan.canarySeed) lines.push(`random canary seed ${plan.canarySeed} (the same fleet picks the same tenants)`)
  if (plan.unlisted && plan.unlisted.length > 0) lines.push(`not in the order file (they go last, by name): ${plan.unlisted.slice(0, 10).join(', ')}${plan.unlisted.length > 10 ? ` and ${plan.unlisted.length - 10} more` : ''}`)
  for (const stage of plan.stages) {
    lines.push(`${stage.kind} ${stage.number}: ${stage.tenants.length} tenant(s), ${est(stage.estimateMs)}`)
    for (const tenant of stage.tenants.slice(0, limit)) lines.push(`  ${tenant.schema}: ${tenant.pending.join(', ')} (${est(tenant.estimateMs)})`)
    if (stage.tenants.length > limit) lines.push(`  … and ${stage.tenants.length - limit} more (--json lists every tenant)`)
  }
  return lines
}
