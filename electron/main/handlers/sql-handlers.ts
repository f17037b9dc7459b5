import { SqlConsole } from '../sql-console/sql-console.ts'
import { activeSchema } from './active-scope.ts'
import type { ContractServices, HandlerTable } from './handler-types.ts'

type SqlCalls = 'sql/run' | 'sql/more' | 'sql/close' | 'sql/cancel' | 'sql/catalog' | 'sql/targets' | 'sql/fan-out'

// One console per tenancy core: its open results and running statements belong to that database.
const consoles = new WeakMap<object, SqlConsole>()

/** The SQL console of these services' tenancy core. */
export function sqlConsoleOf(services: ContractServices): SqlConsole {
  let sqlConsole = consoles.get(services.tenancy)
  if (!sqlConsole) {
    sqlConsole = new SqlConsole(services.tenancy, () => services.sharedReadable?.() ?? services.tenancy.project.sharedReadable)
    consoles.set(services.tenancy, sqlConsole)
  }
  return sqlConsole
}

/**
 * The SQL console's calls. One-tenant calls name the window's active tenant
 * (else CONFLICT, nothing run); the SQL itself runs in a session logged in as
 * that tenant. Fan-outs name their tenants and push progress to the window.
 */
export const sqlHandlers: Pick<HandlerTable, SqlCalls> = {
  async 'sql/run'(input, context, services) {
    const tenant = activeSchema(context, input.tenant)
    return sqlConsoleOf(services).run(context.session.id, { ...input, tenant })
  },

  async 'sql/more'(input, context, services) {
    const tenant = activeSchema(context, input.tenant)
    return sqlConsoleOf(services).more(context.session.id, { ...input, tenant })
  },

  async 'sql/close'(input, context, services) {
    return sqlConsoleOf(services).close(context.session.id, input.resultId)
  },

  async 'sql/cancel'(input, context, services) {
    return Promise.resolve(sqlConsoleOf(services).cancel(context.session.id, input.runId))
  },

  async 'sql/catalog'(input, context, services) {
    return sqlConsoleOf(services).catalog(activeSchema(context, input.tenant))
  },

  async 'sql/targets'(input, _context, services) {
    return sqlConsoleOf(services).targets(input.targets)
  },

  async 'sql/fan-out'(input, context, services) {
    return sqlConsoleOf(services).fanOut(context.session.id, input, (event) => context.emit('sql/fan-out', event))
  },
}
