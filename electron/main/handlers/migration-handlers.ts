import type { MigrationGrid } from '../../../contract/types.ts'
import { InvalidInputError } from '../errors.ts'
import type { MigrateSchemasOptions } from '../migrations/migrate-schemas.ts'
import { pendingSharedMigrations } from '../migrations/migrate-schemas.ts'
import type { ContractServices, HandlerTable } from './handler-types.ts'

/** The tenant × migration grid: which tenant migrations each tenant has applied, from the central ledger. */
async function migrationGrid({ tenancy }: ContractServices): Promise<MigrationGrid> {
  const known = tenancy.migrations.tenant.map((m) => m.name)
  const rows = await tenancy.db.rows<{ schema: string; name: string; applied: string[] }>(
    `SELECT t.schema, t.name,
            coalesce(array_agg(m.name ORDER BY m.name) FILTER (WHERE m.name IS NOT NULL), '{}') AS applied
       FROM public.tenants t LEFT JOIN public.tenant_migrations m ON m.schema = t.schema
      GROUP BY t.schema, t.name
      ORDER BY t.name, t.schema`,
  )
  return {
    migrations: known,
    tenants: rows.map((row) => {
      const applied = new Set(row.applied)
      return {
        schema: row.schema,
        name: row.name,
        applied: known.filter((name) => applied.has(name)),
        pending: known.filter((name) => !applied.has(name)),
      }
    }),
    sharedPending: await pendingSharedMigrations(tenancy.db, tenancy.migrations),
  }
}

/** Migration status and runs; a run streams its progress to the calling window. */
export const migrationHandlers: Pick<HandlerTable, 'migrations/status' | 'migrations/run'> = {
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
}
