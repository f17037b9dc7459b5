import type { Database } from '../db/database.ts'
import { pgErrorOf } from '../db/pg-error.ts'
import { InvalidInputError, MigrationFailedError, SchemataError, TenantNotFoundError } from '../errors.ts'
import { displayPath } from '../project/display-path.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { ChangedMigrationError, auditChecksums, migrationsByName, recordChecksums, recordChecksumsIn } from './checksums.ts'
import type { MigrationEvent, MigrationReport, SchemaOutcome } from './events.ts'
import { checksumsOf, migrateSchema, ownLedgerHoldsAny } from './migrate-schema.ts'
import { withMigratorLock } from './migrator-lock.ts'
import { runBounded } from './run-bounded.ts'
import { pendingNames } from './shared-set.ts'
import type { MigrationDefinition } from './types.ts'

export interface MigrateSchemasOptions {
  /** Apply `migrations/shared` to `public`. With neither flag set, both run (shared first). */
  shared?: boolean
  /** Apply `migrations/tenant` to every tenant schema (or only `schema`). */
  tenant?: boolean
  schema?: string
  concurrency?: number
  /** When another migrator runs: wait for it (default) or fail with MigratorBusyError. */
  wait?: boolean
  onEvent?: (event: MigrationEvent) => void
}

export interface MigrationSets {
  /** Everything applied to `public`: Schemata's registry migrations, then the project's shared ones. */
  shared: readonly MigrationDefinition[]
  /** The default tenant type's migrations. */
  tenant: readonly MigrationDefinition[]
  /** Each tenant type's migrations (the default type's among them): a tenant gets its own type's. */
  types: ReadonlyMap<string, readonly MigrationDefinition[]>
  defaultType: string
}

/** A tenant type's migrations, or why there are none: the tenant's type is not one the project declares. */
export function migrationsOfType(sets: MigrationSets, type: string): readonly MigrationDefinition[] | string {
  return sets.types.get(type) ?? `tenant type "${type}" is not declared in this project (its types: ${[...sets.types.keys()].join(', ')})`
}

/** The default fleet concurrency: leave one pooled connection for everything else. */
export function defaultConcurrency(db: Database): number {
  return Math.max(1, Math.min(4, db.poolMax - 1))
}

/** Which shared migrations `public` has not applied; `undefined` ledger means a brand-new database. */
export async function pendingSharedMigrations(db: Database, sets: MigrationSets): Promise<string[]> {
  const [exists] = await db.rows<{ present: boolean }>(
    "SELECT to_regclass('public.schemata_migrations') IS NOT NULL AS present",
  )
  if (!exists?.present) return sets.shared.map((m) => m.name)
  const rows = await db.rows<{ name: string }>('SELECT name FROM public.schemata_migrations')
  return pendingNames(sets.shared, rows.map((row) => row.name))
}

/** The tenants a run migrates (or only `only`), with what the central ledger says each has applied. */
export async function tenantsToMigrate(db: Database, only: string | undefined): Promise<FleetTenant[]> {
  const rows = await db.rows<FleetTenant>(
    `SELECT t.schema, t.type,
            coalesce(array_agg(m.name) FILTER (WHERE m.name IS NOT NULL), '{}') AS applied
       FROM public.tenants t LEFT JOIN public.tenant_migrations m ON m.schema = t.schema
      WHERE ($1::text IS NULL OR t.schema = $1)
        -- An archived or moved tenant's data is not here (a moved one's kept schema is not migrated).
        AND t.status NOT IN ('archived', 'moved')
      GROUP BY t.schema, t.type ORDER BY t.schema`,
    [only ?? null],
  )
  if (only !== undefined && rows.length === 0) throw new TenantNotFoundError(only)
  return rows
}

/**
 * Whether a tenant listed at the start of the run has been dropped since. A
 * dropTenant that got the schema lock first removes the schema before the
 * migrator reaches it; that is not a failed migration.
 */
async function droppedMeanwhile(db: Database, schema: string): Promise<boolean> {
  try {
    const [row] = await db.rows<{ gone: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM public.tenants WHERE schema = $1) AS gone', [schema])
    return row?.gone === true
  } catch {
    // The registry cannot be read either: report the migration's own error, not this one.
    return false
  }
}

/** A failure as a result: the migration it was in, PostgreSQL's message and SQLSTATE. */
export function failureOf(schema: string, error: unknown): Pick<TenantResult, 'schema' | 'status' | 'applied' | 'failedMigration' | 'message' | 'sqlstate'> {
  const result: ReturnType<typeof failureOf> = { schema, status: 'failed', applied: [] }
  const cause = error instanceof MigrationFailedError ? error.cause : error
  result.message = cause instanceof Error ? cause.message : String(cause)
  if (error instanceof MigrationFailedError && error.migration !== undefined) result.failedMigration = error.migration
  const sqlstate = pgErrorOf(cause)?.code
  if (sqlstate !== undefined) result.sqlstate = sqlstate
  return result
}

function outcomeOfFailure(schema: string, error: unknown): SchemaOutcome {
  return asOutcome({ ...failureOf(schema, error), durationMs: 0 })
}

/** A tenant a run migrates: its schema, its type, and what the central ledger says it has applied. */
export interface FleetTenant {
  schema: string
  type: string
  applied: string[]
}

/** What became of one tenant in `migrateTenants`. */
export interface TenantResult {
  schema: string
  /** `dropped`: gone since it was listed (not a failure); `not-started`: `shouldStart` said no. */
  status: 'migrated' | 'up-to-date' | 'failed' | 'dropped' | 'not-started'
  applied: string[]
  failedMigration?: string
  message?: string
  /** PostgreSQL's SQLSTATE, when the failure was PostgreSQL's. */
  sqlstate?: string
  /** When its transaction began, and how long it took (0 for a tenant with nothing pending). */
  startedAt?: Date
  durationMs: number
}

export interface MigrateTenantsOptions {
  concurrency: number
  emit: (event: MigrationEvent) => void
  /** Checked before each tenant starts: false leaves it (and every later one) untouched, `not-started`. */
  shouldStart?: () => boolean
  /** Each tenant's lock waits are bounded by this (ms); see ApplyMigrationsOptions.lockTimeoutMs. */
  lockTimeoutMs?: number
  /** Called as each tenant finishes, in finishing order. */
  onResult?: (result: TenantResult) => void
  /** Progress events number tenants from here, out of `total` (a staged run's stages share one count). */
  indexBase?: number
  total?: number
}

/**
 * The fleet loop: each tenant of `fleet` in its own transaction, at most
 * `concurrency` at once, the central ledger's `applied` being the plan. The
 * caller holds the migrator lock. A failing tenant is reported and the others
 * go on; results keep `fleet`'s order.
 */
export async function migrateTenants(
  db: Database,
  sets: MigrationSets,
  fleet: readonly FleetTenant[],
  options: MigrateTenantsOptions,
): Promise<TenantResult[]> {
  const { emit } = options
  const base = options.indexBase ?? 0
  const total = options.total ?? fleet.length
  const finish = (result: TenantResult): TenantResult => {
    options.onResult?.(result)
    return result
  }
  return runBounded(fleet, options.concurrency, async (tenant, position): Promise<TenantResult> => {
    const index = base + position
    if (options.shouldStart && !options.shouldStart()) return { schema: tenant.schema, status: 'not-started', applied: [], durationMs: 0 }
    const migrations = migrationsOfType(sets, tenant.type)
    if (typeof migrations === 'string') {
      emit({ type: 'schema-failed', schema: tenant.schema, index, total, message: migrations })
      return finish({ schema: tenant.schema, status: 'failed', applied: [], message: migrations, durationMs: 0 })
    }
    const applied = new Set(tenant.applied)
    const planned = migrations.map((m) => m.name).filter((name) => !applied.has(name))
    if (planned.length === 0) {
      // The central ledger says nothing is pending: no transaction needed.
      emit({ type: 'schema-done', schema: tenant.schema, index, total, applied: [] })
      return finish({ schema: tenant.schema, status: 'up-to-date', applied: [], durationMs: 0 })
    }
    emit({ type: 'schema-start', schema: tenant.schema, index, total, pending: planned.length })
    const startedAt = new Date()
    const began = performance.now()
    try {
      const migrate = (plan?: readonly string[]): Promise<string[]> =>
        migrateSchema(db, {
          schema: tenant.schema,
          migrations,
          mirrorToCentral: true,
          ...(plan === undefined ? {} : { applied: plan }),
          ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
          onMigrated: (migration) => emit({ type: 'migration-applied', schema: tenant.schema, migration }),
        })
      // The central ledger, read under the migrator lock, is the plan; should the schema's own
      // ledger turn out to be ahead of it (changed by hand), the attempt fails as a whole (its
      // primary key, if not the migration's SQL first), and the schema is redone reading it first.
      const names = await migrate(tenant.applied).catch(async (error: unknown) => {
        if (error instanceof MigrationFailedError && (await ownLedgerHoldsAny(db, tenant.schema, planned))) return migrate()
        throw error
      })
      emit({ type: 'schema-done', schema: tenant.schema, index, total, applied: names })
      return finish({ schema: tenant.schema, status: names.length > 0 ? 'migrated' : 'up-to-date', applied: names, startedAt, durationMs: performance.now() - began })
    } catch (error) {
      if (await droppedMeanwhile(db, tenant.schema)) {
        // Gone, not failed: it leaves the report, and its progress line is closed.
        emit({ type: 'schema-done', schema: tenant.schema, index, total, applied: [] })
        return finish({ schema: tenant.schema, status: 'dropped', applied: [], durationMs: performance.now() - began })
      }
      const result: TenantResult = { ...failureOf(tenant.schema, error), startedAt, durationMs: performance.now() - began }
      emit({
        type: 'schema-failed',
        schema: tenant.schema,
        index,
        total,
        ...(result.failedMigration === undefined ? {} : { migration: result.failedMigration }),
        message: result.message ?? 'unknown error',
      })
      return finish(result)
    }
  })
}

/** A tenant result as the plain run's report has it. */
function asOutcome(result: TenantResult): SchemaOutcome {
  const status = result.status === 'migrated' || result.status === 'up-to-date' ? result.status : 'failed'
  const outcome: SchemaOutcome = { schema: result.schema, status, applied: result.applied }
  if (result.failedMigration !== undefined) outcome.failedMigration = result.failedMigration
  if (result.message !== undefined) outcome.message = result.message
  return outcome
}

/**
 * What every run does first, under the migrator lock: refuses a tenant-only
 * run while shared migrations are pending, refuses the whole run when an
 * applied migration's file changed (before anything runs), applies the shared
 * migrations when asked, and records the checksums of ledger rows from
 * before checksums existed. Returns `public`'s outcome when shared ran; a
 * failed one means the run stops there.
 */
export async function prepareRun(
  db: Database,
  sets: MigrationSets,
  options: { runShared: boolean; runTenant: boolean; schema?: string; concurrency: number },
): Promise<SchemaOutcome | undefined> {
  const { runShared, runTenant, concurrency } = options
  if (!runShared && runTenant) {
    const pending = await pendingSharedMigrations(db, sets)
    if (pending.length > 0) {
      throw new SchemataError('MIGRATION_FAILED', `shared migrations are pending (${pending.join(', ')}); run "migrate --shared" first`)
    }
  }

  // Before anything runs: an applied migration whose file changed since is refused, whole run.
  const tenantByName = migrationsByName(sets.types.values())
  const audit = await auditChecksums(db, sets.shared, tenantByName, {
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    shared: runShared,
    tenants: runTenant,
  })
  if (audit.changed.length > 0) throw new ChangedMigrationError(audit.changed, displayPath)

  let shared: SchemaOutcome | undefined
  if (runShared) {
    try {
      const applied = await migrateSchema(db, { schema: 'public', migrations: sets.shared, mirrorToCentral: false })
      shared = { schema: 'public', status: applied.length > 0 ? 'migrated' : 'up-to-date', applied }
    } catch (error) {
      return outcomeOfFailure('public', error)
    }
  }

  // Rows recorded before checksums existed get the files' checksums now (trust on first use).
  if (audit.unrecorded.includes('public')) await recordChecksums(db, 'public', checksumsOf(sets.shared), 'missing')
  const unrecordedTenants = audit.unrecorded.filter((schema) => schema !== 'public')
  if (unrecordedTenants.length > 0) {
    await recordChecksumsIn(db, unrecordedTenants, checksumsOf([...tenantByName.values()]), 'missing', concurrency)
  }
  return shared
}

/**
 * `migrate`: shared migrations into `public`, then tenant migrations into every
 * tenant schema, each schema in its own transaction, at bounded concurrency. A
 * failing schema is reported and the others go on; a rerun resumes.
 */
export async function migrateSchemas(
  db: Database,
  sets: MigrationSets,
  options: MigrateSchemasOptions = {},
): Promise<MigrationReport> {
  const both = !options.shared && !options.tenant
  const runShared = both || options.shared === true
  const runTenant = both || options.tenant === true || options.schema !== undefined
  if (options.schema !== undefined) assertSchemaName(options.schema, 'schema')
  const concurrency = options.concurrency ?? defaultConcurrency(db)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new InvalidInputError('concurrency', 'must be a whole number from 1 to 64')
  }
  const emit = options.onEvent ?? (() => undefined)
  const started = performance.now()

  return withMigratorLock(db, { wait: options.wait ?? true, onWaiting: (holder) => emit({ type: 'waiting', holder }) }, async () => {
    const report: MigrationReport = {
      tenants: [],
      counts: { total: 0, migrated: 0, upToDate: 0, failed: 0, applied: 0 },
      durationMs: 0,
    }

    const shared = await prepareRun(db, sets, { runShared, runTenant, concurrency, ...(options.schema === undefined ? {} : { schema: options.schema }) })
    if (shared !== undefined) report.shared = shared
    if (shared?.status === 'failed') {
      report.durationMs = performance.now() - started
      emit({ type: 'run-done', report })
      return report
    }

    // Listed only now: on a new database the registry exists once the shared migrations ran.
    const fleet = runTenant ? await tenantsToMigrate(db, options.schema) : []
    emit({ type: 'run-start', shared: runShared, tenants: fleet.length })
    const results = await migrateTenants(db, sets, fleet, { concurrency, emit })
    const outcomes = results.map((result) => (result.status === 'dropped' ? undefined : asOutcome(result)))

    report.tenants = outcomes.filter((outcome): outcome is SchemaOutcome => outcome !== undefined)
    for (const outcome of report.tenants) {
      report.counts.total++
      report.counts.applied += outcome.applied.length
      if (outcome.status === 'migrated') report.counts.migrated++
      else if (outcome.status === 'up-to-date') report.counts.upToDate++
      else report.counts.failed++
    }
    report.durationMs = performance.now() - started
    emit({ type: 'run-done', report })
    return report
  })
}

/** What `migrate --repair-checksums` changed: per schema, the migrations whose recorded checksum it replaced. */
export interface ChecksumRepair {
  repaired: { schema: string; names: string[] }[]
}

/**
 * `migrate --repair-checksums`: accepts the migration files as they are now,
 * for a change made on purpose. Every applied migration's recorded checksum
 * becomes its file's, in both ledgers of every tenant (or only `schema`) and
 * in `public`'s; nothing is migrated. Under the migrator lock, so it never
 * interleaves with a run that is checking them.
 */
export async function repairChecksums(
  db: Database,
  sets: MigrationSets,
  options: Pick<MigrateSchemasOptions, 'schema' | 'concurrency' | 'wait' | 'onEvent'> = {},
): Promise<ChecksumRepair> {
  if (options.schema !== undefined) assertSchemaName(options.schema, 'schema')
  const concurrency = options.concurrency ?? defaultConcurrency(db)
  const emit = options.onEvent ?? (() => undefined)
  return withMigratorLock(db, { wait: options.wait ?? true, onWaiting: (holder) => emit({ type: 'waiting', holder }) }, async () => {
    const pending = await pendingSharedMigrations(db, sets)
    if (pending.length > 0) {
      throw new SchemataError('MIGRATION_FAILED', `shared migrations are pending (${pending.join(', ')}); run "migrate --shared" first`)
    }
    const repaired: ChecksumRepair['repaired'] = []
    if (options.schema === undefined) {
      const names = await recordChecksums(db, 'public', checksumsOf(sets.shared), 'all')
      if (names.length > 0) repaired.push({ schema: 'public', names })
    }
    const tenants = (await tenantsToMigrate(db, options.schema)).map((tenant) => tenant.schema)
    repaired.push(...(await recordChecksumsIn(db, tenants, checksumsOf([...migrationsByName(sets.types.values()).values()]), 'all', concurrency)))
    return { repaired }
  })
}
