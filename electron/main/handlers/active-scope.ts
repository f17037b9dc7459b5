import { SchemataError } from '../errors.ts'
import type { TenantScope } from '../tenancy/scope.ts'
import type { CallContext } from './dispatch-types.ts'
import type { ContractServices } from './handler-types.ts'

/** The calling window's active tenant; a window that has switched to none gets NO_ACTIVE_TENANT, never `public`. */
export function activeSchema(context: CallContext): string {
  const schema = context.session.activeTenant
  if (schema === null) {
    throw new SchemataError('NO_ACTIVE_TENANT', 'no active tenant: switch to a tenant first')
  }
  return schema
}

/**
 * Runs `fn` in the calling window's tenant scope. The scope re-reads the
 * tenant's status as it opens, so a tenant dropped or suspended since the
 * switch is refused (TENANT_NOT_FOUND / TENANT_SUSPENDED) rather than served.
 */
export function inActiveTenant<T>(
  context: CallContext,
  services: ContractServices,
  fn: (scope: TenantScope) => Promise<T>,
): Promise<T> {
  return services.tenancy.withTenant(activeSchema(context), fn)
}
