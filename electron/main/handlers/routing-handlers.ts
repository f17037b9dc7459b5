import { SchemataError } from '../errors.ts'
import type { ContractServices, HandlerTable, RequestsPort } from './handler-types.ts'

function requestsPort(services: ContractServices): RequestsPort {
  if (!services.requests) {
    throw new SchemataError('NOT_FOUND', 'the tenant API server is not running here; start it with "schemata serve"')
  }
  return services.requests
}

/** Routing: which tenant a host or X-Tenant header reaches, and real requests through the local server. */
export const routingHandlers: Pick<HandlerTable, 'routing/resolve' | 'requests/send' | 'requests/log'> = {
  async 'routing/resolve'(input, _context, { tenancy }) {
    return tenancy.resolve(input)
  },
  async 'requests/send'(input, _context, services) {
    return requestsPort(services).send(input)
  },
  async 'requests/log'(input, _context, services) {
    return Promise.resolve(requestsPort(services).log(input.limit))
  },
}
