import type { SchemataClient } from '../../../contract/contract.ts'
import { consoleCredentials, HttpSchemataClient } from './http-client.ts'
import { preloadClient } from './preload-client.ts'

/** The client for this page: the preload's `window.schemata` inside Electron, else HTTP/WebSocket to the serving host. */
export function pickClient(win: Window & { schemata?: unknown }): SchemataClient {
  if (win.schemata !== undefined) return preloadClient(win.schemata)
  const { token, windowId } = consoleCredentials(win.location, win.history, win.sessionStorage)
  return new HttpSchemataClient({ origin: win.location.origin, token, windowId })
}
