import { hostname, userInfo } from 'node:os'
import type { MigrationGrid } from '../../../contract/types.ts'
import { InvalidInputError } from '../errors.ts'
import type { MigrateSchemasOptions } from '../migrations/migrate-schemas.ts'
import { defaultConcurrency, pendingSharedMigrations } from '../migrations/migrate-schemas.ts'
import { ROLLOUT_DEFAULTS } from '../rollout/rollout-options.ts'
import { runRollout } from '../rollout/run-rollout.ts'
import { getRun, listRuns, requestHalt } from '../rollout/run-store.ts'
import type { ContractServices, HandlerTable } from './handler-types.ts'

/**
 * The tenant × migration grid: which tenant migrations each tenant has
 * applied, from the central ledger, grouped by the project's tenant types
 * (each tenant is held to its own type's list).
 */
async function migrationGrid({ tenancy }: ContractServices): Promise<MigrationGrid> {
  const rows = await tenancy.db.rows<{ schema: string; name: string; type: string; applied: string[] }>(
    `SELECT t.schema, t.name, t.type,
            coalesce(array_agg(m.name ORDER BY m.name) FILTER (WHERE m.name IS NOT NULL), '{}') AS applied
       FROM public.tenants t LEFT JOIN public.tenant_migrations m ON m.schema = t.schema
      WHERE t.status <> 'pooled'
      GROUP BY t.schema, t.name, t.type
      ORDER BY t.name, t.schema`,
  )
  const labels = new Map(tenancy.project.tenantTypes.map((type) => [type.name, type.label]))
  const types = [...tenancy.migrations.types].map(([name, migrations]) => ({ name, label: labels.get(name) ?? name, migrations: migrations.map((m) => m.name) }))
  return {
    migrations: [...new Set(types.flatMap((type) => type.migrations))].sort(),
    types,
    tenants: rows.map((row) => {
      const known = types.find((type) => type.name === row.type)?.migrations ?? []
      const applied = new Set(row.applied)
      return {
        schema: row.schema,
        name: row.name,
        type: row.type,
        applied: known.filter((name) => applied.has(name)),
        pending: known.filter((name) => !applied.has(name)),
      }
    }),
    sharedPending: await pendingSharedMigrations(tenancy.db, tenancy.migrations),
  }
}

/** The machine's user, for the record of who resumed or halted a run from the console. */
function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? 'unknown'
  }
}

type MigrationCalls = 'migrations/status' | 'migrations/run' | 'migrations/runs/list' | 'migrations/runs/get' | 'migrations/runs/resume' | 'migrations/runs/halt'

/** Migration status and runs; a run streams its progress to the calling window. */
export const migrationHandlers: Pick<HandlerTable, MigrationCalls> = {
  async 'migrations/status'(_input, _context, services) {
    return migrationGrid(services)
  },

  async 'migrations/run'(input, context, { tenancy }) {
    const scope = input.scope ?? 'all'
    if (scope === 'shared' && input.schema !== undefined) {
      throw new InvalidInputError('schema', 'names a tenant schema, so it cannot be combined with scope "shared"')
    }
    const options: MigrateSchemasOptions = {
      onEvent: (event) => context.emit('migrations/progress', event),
    }
    if (scope === 'shared') options.shared = true
    if (scope === 'tenant') options.tenant = true
    if (input.schema !== undefined) options.schema = input.schema
    if (input.concurrency !== undefined) options.concurrency = input.concurrency
    try {
      return await tenancy.migrate(options)
    } finally {
      // Pending counts in every window's tenant list may have changed, also after a partial failure.
      context.broadcast('tenants/changed', { reason: 'migrated' })
    }
  },

  async 'migrations/runs/list'(input, _context, { tenancy }) {
    return listRuns(tenancy.db, input.limit ?? 50)
  },

  async 'migrations/runs/get'(input, _context, { tenancy }) {
    return getRun(tenancy.db, input.id)
  },

  async 'migrations/runs/resume'(input, context, { tenancy }) {
    const overrides = {
      ...(input.maxFailures === undefined ? {} : { maxFailures: input.maxFailures }),
      ...(input.concurrency === undefined ? {} : { concurrency: input.concurrency }),
    }
    try {
      return await runRollout(tenancy.db, tenancy.migrations, {
        resume: input.id,
        overrides,
        // Not read for a resume (the run's own options are), but for the type.
        options: { order: 'name', maxFailures: 1, pauseBetweenMs: 0, lockTimeoutMs: ROLLOUT_DEFAULTS.lockTimeoutMs, lockRetries: 0, atomic: false, concurrency: defaultConcurrency(tenancy.db) },
        starter: { osUser: osUser(), host: hostname(), via: 'console' },
        atomicLimit: ROLLOUT_DEFAULTS.atomicLimit,
        // The console does not queue behind another migrator: it says so, and the user decides.
        wait: false,
        onEvent: (event) => context.emit('migrations/progress', event),
      })
    } finally {
      context.broadcast('tenants/changed', { reason: 'migrated' })
    }
  },

  async 'migrations/runs/halt'(input, _context, { tenancy }) {
    return requestHalt(tenancy.db, input.id, `${osUser()}@${hostname()} (console)`)
  },
}
