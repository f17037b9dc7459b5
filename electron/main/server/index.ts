/*
 * The local HTTP server: admin console (browser mode) on the bare host,
 * tenant API on tenant hosts. See docs/tenant-api.md and DESIGN.md.
 */
import { SchemataError } from '../errors.ts'
import { createSchemataServer as create, type SchemataServer, type SchemataServerOptions } from './create-server.ts'
import type { TenantApiResponse } from './send-request.ts'

export type { SchemataServer, SchemataServerOptions } from './create-server.ts'
export { type ApiRequestLogEntry, RequestLog, type RequestLogListener, onRequestLogged, recentRequests } from './request-log.ts'
export { type TenantApiRequest, type TenantApiResponse, tenantApiRequestInput } from './send-request.ts'
export { httpStatusFor } from './http-errors.ts'
export { type SessionSource, WINDOW_HEADER } from './window-sessions.ts'

let running: SchemataServer | undefined

/** Starts the server; while it runs, the module-level `sendTenantApiRequest` talks to it. */
export async function createSchemataServer(options: SchemataServerOptions): Promise<SchemataServer> {
  const server = await create(options)
  running = server
  const close = server.close.bind(server)
  return Object.assign(server, {
    close(): Promise<void> {
      if (running === server) running = undefined
      return close()
    },
  })
}

/**
 * `requests/send`: sends a request with a typed Host, headers and body to the
 * running server on 127.0.0.1 and reports the response and what the server
 * resolved it to. The input is untrusted and validated there.
 */
export function sendTenantApiRequest(input: unknown): Promise<TenantApiResponse> {
  if (!running) {
    return Promise.reject(new SchemataError('NOT_FOUND', 'the local server is not running (start it with `schemata serve`)'))
  }
  return running.sendTenantApiRequest(input)
}
