import { DataBrowser } from '../data-browser/data-browser.ts'
import { assertEditsAllowed, editsAllowed, setEditsAllowed } from '../data-browser/edit-latch.ts'
import { SchemataError } from '../errors.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import type { ContractServices, HandlerTable } from './handler-types.ts'

type DataBrowserCalls = 'data/tables' | 'data/rows' | 'data/insert' | 'data/update' | 'data/delete' | 'data/export' | 'data/allow-edits'

// One browser per tenancy core: it keeps no per-call state, but whatever it caches belongs to that database.
const browsers = new WeakMap<object, DataBrowser>()

function browserOf(services: ContractServices): DataBrowser {
  let browser = browsers.get(services.tenancy)
  if (!browser) {
    browser = new DataBrowser(services.tenancy, () => services.sharedReadable?.() ?? [])
    browsers.set(services.tenancy, browser)
  }
  return browser
}

function tenantOf(input: { tenant: string }): string {
  assertSchemaName(input.tenant, 'tenant')
  return input.tenant
}

/**
 * The generic data calls: any table of the tenant named in the input (the
 * tenant travels with each call, so a view's request can never land in
 * another tenant after a switch). Writes need this window's "allow edits"
 * for that tenant; reads never do.
 */
export const dataBrowserHandlers: Pick<HandlerTable, DataBrowserCalls> = {
  async 'data/tables'(input, context, services) {
    const tenant = tenantOf(input)
    return browserOf(services).tables(tenant, editsAllowed(context.session, tenant), input.counts)
  },

  async 'data/rows'(input, _context, services) {
    tenantOf(input)
    return browserOf(services).rows(input, input)
  },

  async 'data/insert'(input, context, services) {
    assertEditsAllowed(context.session, tenantOf(input))
    return browserOf(services).insert(input, input.values)
  },

  async 'data/update'(input, context, services) {
    assertEditsAllowed(context.session, tenantOf(input))
    return browserOf(services).update(input, input.key, input.version, input.values)
  },

  async 'data/delete'(input, context, services) {
    assertEditsAllowed(context.session, tenantOf(input))
    return browserOf(services).delete(input, input.key, input.version)
  },

  async 'data/export'(input, _context, services) {
    tenantOf(input)
    if (!services.exports) {
      throw new SchemataError('INVALID_INPUT', 'export: not available here (it needs the console server or the desktop app)', { field: 'format' })
    }
    const job = await browserOf(services).prepareExport(input, input, input.format)
    return services.exports.deliver(job)
  },

  async 'data/allow-edits'(input, context, services) {
    const tenant = tenantOf(input)
    // Only a tenant that exists (and is active) can have edits turned on.
    if (input.allow) await services.tenancy.withTenant(tenant, (scope) => scope.role, { readOnly: true })
    setEditsAllowed(context.session, tenant, input.allow)
    return { tenant, editsAllowed: input.allow }
  },
}
