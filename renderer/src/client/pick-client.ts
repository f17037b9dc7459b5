import type { SchemataClient } from '../../../contract/contract.ts'
import { consoleWindow, HttpSchemataClient } from './http-client.ts'
import { type FileTransfer, browserFileTransfer, nativeFileTransfer } from './file-transfer.ts'
import { preloadClient } from './preload-client.ts'

/** The client for this page: the preload's `window.schemata` inside Electron, else HTTP/WebSocket to the serving host. */
export function pickClient(win: Window & { schemata?: unknown }): SchemataClient {
  if (win.schemata !== undefined) return preloadClient(win.schemata)
  const { windowId } = consoleWindow(win.location, win.history, win.sessionStorage)
  return new HttpSchemataClient({ origin: win.location.origin, windowId })
}

/** How this page moves tenant export files: the preload's native dialog inside Electron, else downloads and uploads. */
export function pickFileTransfer(win: Window & { schemata?: unknown }, client: SchemataClient): FileTransfer | undefined {
  if (win.schemata !== undefined) {
    const choose = (win.schemata as { chooseFile?: unknown }).chooseFile
    return typeof choose === 'function' ? nativeFileTransfer(client, choose as Parameters<typeof nativeFileTransfer>[1]) : undefined
  }
  const { windowId } = consoleWindow(win.location, win.history, win.sessionStorage)
  return browserFileTransfer({ origin: win.location.origin, windowId })
}
