import type { Database } from '../db/database.ts'
import { InvalidInputError, MigrationFailedError, SchemataError, TenantNotFoundError } from '../errors.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import type { MigrationEvent, MigrationReport, SchemaOutcome } from './events.ts'
import { migrateSchema, ownLedgerHoldsAny } from './migrate-schema.ts'
import { withMigratorLock } from './migrator-lock.ts'
import { runBounded } from './run-bounded.ts'
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
  shared: readonly MigrationDefinition[]
  tenant: readonly MigrationDefinition[]
}

interface TenantRow {
  schema: string
  applied: string[]
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
  const applied = new Set(rows.map((row) => row.name))
  return sets.shared.map((m) => m.name).filter((name) => !applied.has(name))
}

async function tenantsToMigrate(db: Database, only: string | undefined): Promise<TenantRow[]> {
  const rows = await db.rows<TenantRow>(
    `SELECT t.schema,
            coalesce(array_agg(m.name) FILTER (WHERE m.name IS NOT NULL), '{}') AS applied
       FROM public.tenants t LEFT JOIN public.tenant_migrations m ON m.schema = t.schema
      WHERE ($1::text IS NULL OR t.schema = $1)
        -- An archived or moved tenant's data is not here (a moved one's kept schema is not migrated).
        AND t.status NOT IN ('archived', 'moved')
      GROUP BY t.schema ORDER BY t.schema`,
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

function outcomeOfFailure(schema: string, error: unknown): SchemaOutcome {
  if (error instanceof MigrationFailedError) {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause)
    return error.migration === undefined
      ? { schema, status: 'failed', applied: [], message: cause }
      : { schema, status: 'failed', applied: [], failedMigration: error.migration, message: cause }
  }
  return { schema, status: 'failed', applied: [], message: error instanceof Error ? error.message : String(error) }
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

    if (!runShared && runTenant) {
      const pending = await pendingSharedMigrations(db, sets)
      if (pending.length > 0) {
        throw new SchemataError('MIGRATION_FAILED', `shared migrations are pending (${pending.join(', ')}); run "migrate --shared" first`)
      }
    }

    if (runShared) {
      try {
        const applied = await migrateSchema(db, { schema: 'public', migrations: sets.shared, mirrorToCentral: false })
        report.shared = { schema: 'public', status: applied.length > 0 ? 'migrated' : 'up-to-date', applied }
      } catch (error) {
        report.shared = outcomeOfFailure('public', error)
        report.durationMs = performance.now() - started
        emit({ type: 'run-done', report })
        return report
      }
    }

    // Listed only now: on a new database the registry exists once the shared migrations ran.
    const fleet = runTenant ? await tenantsToMigrate(db, options.schema) : []
    emit({ type: 'run-start', shared: runShared, tenants: fleet.length })
    const known = sets.tenant.map((m) => m.name)
    const total = fleet.length
    const outcomes = await runBounded(fleet, concurrency, async (tenant, index): Promise<SchemaOutcome | undefined> => {
      const applied = new Set(tenant.applied)
      const planned = known.filter((name) => !applied.has(name))
      if (planned.length === 0) {
        // The central ledger says nothing is pending: no transaction needed.
        emit({ type: 'schema-done', schema: tenant.schema, index, total, applied: [] })
        return { schema: tenant.schema, status: 'up-to-date', applied: [] }
      }
      emit({ type: 'schema-start', schema: tenant.schema, index, total, pending: planned.length })
      try {
        const migrate = (plan?: readonly string[]): Promise<string[]> =>
          migrateSchema(db, {
            schema: tenant.schema,
            migrations: sets.tenant,
            mirrorToCentral: true,
            ...(plan === undefined ? {} : { applied: plan }),
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
        return { schema: tenant.schema, status: names.length > 0 ? 'migrated' : 'up-to-date', applied: names }
      } catch (error) {
        if (await droppedMeanwhile(db, tenant.schema)) {
          // Gone, not failed: it leaves the report, and its progress line is closed.
          emit({ type: 'schema-done', schema: tenant.schema, index, total, applied: [] })
          return undefined
        }
        const outcome = outcomeOfFailure(tenant.schema, error)
        emit({
          type: 'schema-failed',
          schema: tenant.schema,
          index,
          total,
          ...(outcome.failedMigration === undefined ? {} : { migration: outcome.failedMigration }),
          message: outcome.message ?? 'unknown error',
        })
        return outcome
      }
    })

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
