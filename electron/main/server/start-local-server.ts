import type { ApiRequestLogEntry } from '../../../contract/types.ts'
import { createDispatcher } from '../handlers/dispatcher.ts'
import type { ContractServices, RequestsPort } from '../handlers/handler-types.ts'
import type { SchemataServer } from './create-server.ts'
import { createSchemataServer } from './index.ts'

export interface LocalServer {
  server: SchemataServer
  /** The contract services with the Requests panel wired to this server. */
  services: ContractServices
}

/**
 * Starts the local HTTP server (console + tenant API) over the given services
 * and wires the Requests panel (`requests/send`, `requests/log`) to it. Shared
 * by `schemata serve` and the desktop app, so both have a live tenant API.
 */
export async function startLocalServer(
  base: Omit<ContractServices, 'requests'>,
  options: { rendererDir: string; port: number; onRequestLogged?: (entry: ApiRequestLogEntry) => void },
): Promise<LocalServer> {
  // The panel talks to this very server, which exists only once the dispatcher does.
  const started: { server?: SchemataServer } = {}
  const requests: RequestsPort = {
    send: (input) => (started.server ? started.server.sendTenantApiRequest(input) : Promise.reject(new Error('the local server is still starting'))),
    log: (limit) => started.server?.recentRequests(limit) ?? [],
  }
  const services: ContractServices = { ...base, requests }
  const server = await createSchemataServer({
    tenancy: base.tenancy,
    dispatch: createDispatcher(services),
    sessions: base.sessions,
    rendererDir: options.rendererDir,
    port: options.port,
  })
  started.server = server
  server.onRequestLogged((entry) => {
    server.broadcast('requests/logged', entry)
    options.onRequestLogged?.(entry)
  })
  return { server, services }
}
