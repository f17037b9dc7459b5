import { SchemataError } from '../errors.ts'
import type { TenantScope } from '../tenancy/scope.ts'
import type { CallContext } from './dispatch-types.ts'
import type { ContractServices } from './handler-types.ts'

/**
 * The tenant a call was meant for, checked against the calling window's
 * active tenant: a window that has switched to none gets NO_ACTIVE_TENANT
 * (never `public`), one that has switched to another tenant gets CONFLICT —
 * the call was sent for the tenant it left (a race between a switch and a
 * call on its way), so it is refused rather than run in the wrong tenant.
 */
export function activeSchema(context: CallContext, meantFor: string): string {
  const schema = context.session.activeTenant
  if (schema === null) {
    throw new SchemataError('NO_ACTIVE_TENANT', 'no active tenant: switch to a tenant first')
  }
  if (schema !== meantFor) {
    throw new SchemataError('CONFLICT', `this call was meant for tenant "${meantFor}", but the window has switched to "${schema}"`, {
      field: 'tenant',
    })
  }
  return schema
}

/**
 * Runs `fn` in the scope of the tenant `input` names, if that is still the
 * calling window's active tenant (see activeSchema). The scope re-reads the
 * tenant's status as it opens, so a tenant dropped or suspended since the
 * switch is refused (TENANT_NOT_FOUND / TENANT_SUSPENDED) rather than served.
 */
export function inActiveTenant<T>(
  input: { tenant: string },
  context: CallContext,
  services: ContractServices,
  fn: (scope: TenantScope) => Promise<T>,
): Promise<T> {
  return services.tenancy.withTenant(activeSchema(context, input.tenant), fn)
}
