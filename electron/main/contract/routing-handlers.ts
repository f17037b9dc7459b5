import type { HandlerTable } from './handler-types.ts'

/** Which tenant a host name or X-Tenant header reaches, answered by the same resolver the HTTP server uses. */
export const routingHandlers: Pick<HandlerTable, 'routing/resolve'> = {
  async 'routing/resolve'(input, _context, { tenancy }) {
    return tenancy.resolve(input)
  },
}
