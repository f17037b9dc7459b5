import type { TenantInfo, TenantListItem } from '../../../contract/types.ts'
import { InvalidInputError, TenantNotFoundError, TenantSuspendedError } from '../errors.ts'
import type { Tenant, TenantSummary } from '../tenancy/tenant-registry.ts'
import type { HandlerTable } from './handler-types.ts'

/** The wire shape of a tenant: the registry row without its role name (an internal detail). */
export function toTenantInfo(tenant: Tenant): TenantInfo {
  return {
    name: tenant.name,
    schema: tenant.schema,
    type: tenant.type,
    status: tenant.status,
    domains: [...tenant.domains],
    createdAt: tenant.createdAt,
  }
}

function toListItem(tenant: TenantSummary): TenantListItem {
  return {
    ...toTenantInfo(tenant),
    appliedMigrations: tenant.appliedMigrations,
    pendingMigrations: [...tenant.pendingMigrations],
    sizeBytes: tenant.sizeBytes,
    ...(tenant.archive ? { archive: { ...tenant.archive } } : {}),
    ...(tenant.movedTo ? { movedTo: tenant.movedTo } : {}),
  }
}

type TenantCalls =
  | 'tenants/list'
  | 'tenants/create'
  | 'tenants/drop'
  | 'tenants/set-status'
  | 'tenants/set-domains'
  | 'tenants/set-type'
  | 'tenants/switch'
  | 'tenants/active'

/** The registry calls, and the per-window choice of active tenant. */
export const tenantHandlers: Pick<HandlerTable, TenantCalls> = {
  async 'tenants/list'(_input, _context, { tenancy }) {
    return (await tenancy.listTenants()).map(toListItem)
  },

  async 'tenants/create'(input, context, { tenancy }) {
    const tenant = await tenancy.createTenant(input)
    context.broadcast('tenants/changed', { reason: 'created' })
    return toTenantInfo(tenant)
  },

  async 'tenants/drop'(input, context, { tenancy, sessions }) {
    // A typed confirmation that must repeat the schema: a stale click or a mix-up cannot drop the wrong tenant.
    if (input.confirm !== input.schema) {
      throw new InvalidInputError('confirm', `must repeat the schema name "${input.schema}" to confirm the drop`)
    }
    await tenancy.dropTenant(input.schema)
    sessions.clearTenant(input.schema)
    context.broadcast('tenants/changed', { reason: 'dropped' })
    return { dropped: input.schema }
  },

  async 'tenants/set-status'(input, context, { tenancy }) {
    await tenancy.setStatus(input.schema, input.status)
    context.broadcast('tenants/changed', { reason: 'status' })
    return toTenantInfo(await tenancy.getTenant(input.schema))
  },

  async 'tenants/set-domains'(input, context, { tenancy }) {
    await tenancy.setDomains(input.schema, input.domains)
    context.broadcast('tenants/changed', { reason: 'domains' })
    return toTenantInfo(await tenancy.getTenant(input.schema))
  },

  async 'tenants/set-type'(input, context, { tenancy }) {
    try {
      await tenancy.changeTenantType(input.schema, input.type)
    } finally {
      // Migrations may have run (pending counts, the grid) even when the change failed part-way.
      context.broadcast('tenants/changed', { reason: 'type' })
    }
    return toTenantInfo(await tenancy.getTenant(input.schema))
  },

  async 'tenants/switch'(input, context, { tenancy }) {
    // Fail closed: only an existing, active tenant becomes the window's scope.
    const tenant = await tenancy.getTenant(input.schema)
    if (tenant.status !== 'active') throw new TenantSuspendedError(tenant.schema)
    context.session.activeTenant = tenant.schema
    return { tenant: toTenantInfo(tenant) }
  },

  async 'tenants/active'(_input, context, { tenancy }) {
    const schema = context.session.activeTenant
    if (schema === null) return { tenant: null }
    try {
      return { tenant: toTenantInfo(await tenancy.getTenant(schema)) }
    } catch (error) {
      // Dropped elsewhere (another process, the CLI): the window no longer has a tenant.
      if (!(error instanceof TenantNotFoundError)) throw error
      context.session.activeTenant = null
      return { tenant: null }
    }
  },
}
