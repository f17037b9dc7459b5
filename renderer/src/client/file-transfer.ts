import { ContractError, type SchemataClient } from '../../../contract/contract.ts'
import type { FileDialogRequest } from '../../../contract/channels.ts'
import type { ExportSummary, TenantWithRows } from '../../../contract/types.ts'
import { readEnvelope } from './envelope.ts'

export interface ImportRequest {
  /** Browser mode: the file the user picked (uploaded). In Electron the native dialog picks it. */
  file?: File
  schema?: string
  asSibling?: boolean
}

/**
 * How this console moves tenant export files: in Electron a native dialog
 * picks a path that main reads or writes; in a browser the export is a
 * download and the import an upload (the file never needs a path).
 */
export interface FileTransfer {
  readonly kind: 'native' | 'browser'
  /** Exports a tenant; undefined when the user cancelled. A download reports no summary (the browser has the file). */
  exportTenant(schema: string): Promise<ExportSummary | 'downloading' | undefined>
  /** Imports an export file; undefined when the user cancelled. */
  importTenant(request: ImportRequest): Promise<TenantWithRows | undefined>
}

type ChooseFile = (request: FileDialogRequest) => Promise<string | null>

/** Electron: the preload's native dialog, then the contract call with the chosen path. */
export function nativeFileTransfer(client: SchemataClient, chooseFile: ChooseFile): FileTransfer {
  return {
    kind: 'native',
    async exportTenant(schema) {
      const path = await chooseFile({ kind: 'save-export', defaultName: `${schema}.tenant` })
      if (path === null) return undefined
      return client.call('tenants/export', { schema, path })
    },
    async importTenant(request) {
      const path = await chooseFile({ kind: 'open-export' })
      if (path === null) return undefined
      return client.call('tenants/import', {
        path,
        ...(request.schema ? { schema: request.schema } : {}),
        ...(request.asSibling ? { asSibling: true } : {}),
      })
    },
  }
}

/** Browser mode: `/transfer/export/<schema>` as a download, `/transfer/import` as an upload (see transfer-routes.ts). */
export function browserFileTransfer(options: { origin: string; windowId: string; fetch?: typeof fetch; document?: Document }): FileTransfer {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  return {
    kind: 'browser',
    exportTenant(schema) {
      const doc = options.document ?? document
      const link = doc.createElement('a')
      link.href = `${options.origin}/transfer/export/${encodeURIComponent(schema)}?window=${encodeURIComponent(options.windowId)}`
      link.download = `${schema}.tenant`
      link.rel = 'noopener'
      doc.body.appendChild(link)
      link.click()
      link.remove()
      return Promise.resolve('downloading')
    },
    async importTenant(request) {
      if (!request.file) return undefined
      const query = new URLSearchParams({ window: options.windowId })
      if (request.schema) query.set('schema', request.schema)
      if (request.asSibling) query.set('asSibling', '1')
      const response = await fetchImpl(`${options.origin}/transfer/import?${query.toString()}`, {
        method: 'POST',
        // Signed in by the console's HttpOnly cookie, like every other call of this page.
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: request.file,
      })
      const body = (await response.json().catch(() => null)) as { ok?: boolean; result?: TenantWithRows; error?: unknown } | null
      if (body?.ok === true && body.result) return body.result
      const envelope = readEnvelope(body?.error)
      throw new ContractError(envelope ?? { code: 'INTERNAL', message: `the upload failed (HTTP ${response.status})` })
    },
  }
}
