import { DataBrowser } from '../data-browser/data-browser.ts'
import { assertEditsAllowed, editsAllowed, setEditsAllowed } from '../data-browser/edit-latch.ts'
import { SchemataError } from '../errors.ts'
import { activeSchema } from './active-scope.ts'
import type { CallContext } from './dispatch-types.ts'
import type { ContractServices, HandlerTable } from './handler-types.ts'

type DataBrowserCalls = 'data/tables' | 'data/rows' | 'data/insert' | 'data/update' | 'data/delete' | 'data/export' | 'data/allow-edits'

// One browser per tenancy core: it keeps no per-call state, but whatever it caches belongs to that database.
const browsers = new WeakMap<object, DataBrowser>()

function browserOf(services: ContractServices): DataBrowser {
  let browser = browsers.get(services.tenancy)
  if (!browser) {
    browser = new DataBrowser(services.tenancy, () => services.sharedReadable?.() ?? services.tenancy.project.sharedReadable)
    browsers.set(services.tenancy, browser)
  }
  return browser
}

/** The tenant a call names, which must still be the window's active one (else CONFLICT, see activeSchema). */
function tenantOf(input: { tenant: string }, context: CallContext): string {
  return activeSchema(context, input.tenant)
}

/**
 * The generic data calls: any table of the window's active tenant, which each
 * call names (a call sent before a switch is refused, never run in the tenant
 * switched to). Writes need this window's "allow edits" for that tenant;
 * reads never do.
 */
export const dataBrowserHandlers: Pick<HandlerTable, DataBrowserCalls> = {
  async 'data/tables'(input, context, services) {
    const tenant = tenantOf(input, context)
    return browserOf(services).tables(tenant, editsAllowed(context.session, tenant), input.counts)
  },

  async 'data/rows'(input, context, services) {
    const tenant = tenantOf(input, context)
    return { ...(await browserOf(services).rows(input, input)), editsAllowed: editsAllowed(context.session, tenant) }
  },

  async 'data/insert'(input, context, services) {
    assertEditsAllowed(context.session, tenantOf(input, context))
    return browserOf(services).insert(input, input.values)
  },

  async 'data/update'(input, context, services) {
    assertEditsAllowed(context.session, tenantOf(input, context))
    return browserOf(services).update(input, input.key, input.version, input.values)
  },

  async 'data/delete'(input, context, services) {
    assertEditsAllowed(context.session, tenantOf(input, context))
    return browserOf(services).delete(input, input.key, input.version)
  },

  async 'data/export'(input, context, services) {
    tenantOf(input, context)
    if (!services.exports) {
      throw new SchemataError('INVALID_INPUT', 'export: not available here (it needs the console server or the desktop app)', { field: 'format' })
    }
    const job = await browserOf(services).prepareExport(input, input, input.format)
    return services.exports.deliver(job)
  },

  async 'data/allow-edits'(input, context, services) {
    const tenant = tenantOf(input, context)
    // Only a tenant that exists (and is active) can have edits turned on.
    if (input.allow) await services.tenancy.withTenant(tenant, (scope) => scope.role, { readOnly: true })
    setEditsAllowed(context.session, tenant, input.allow)
    return { tenant, editsAllowed: input.allow }
  },
}
