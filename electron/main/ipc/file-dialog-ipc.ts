import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { FILE_DIALOG_CHANNEL, isFileDialogRequest } from '../../../contract/channels.ts'

const EXPORT_FILTERS = [
  { name: 'Schemata tenant export', extensions: ['tenant'] },
  { name: 'All files', extensions: ['*'] },
]

/**
 * The native Save / Open dialogs for tenant export files: the renderer asks,
 * the user picks, and only the chosen path goes back — which the renderer
 * then passes to `tenants/export` or `tenants/import`. Requests from anything
 * but our own windows (`isTrusted`) get no dialog.
 */
export function registerFileDialogs(isTrusted: (event: IpcMainInvokeEvent) => boolean): () => void {
  ipcMain.handle(FILE_DIALOG_CHANNEL, async (event, request: unknown): Promise<string | null> => {
    if (!isTrusted(event) || !isFileDialogRequest(request)) return null
    const owner = BrowserWindow.fromWebContents(event.sender)
    if (request.kind === 'save-export') {
      const options = { title: 'Export tenant', defaultPath: request.defaultName, filters: EXPORT_FILTERS }
      const result = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options)
      return result.canceled || !result.filePath ? null : result.filePath
    }
    const options = { title: 'Import a tenant export', properties: ['openFile' as const], filters: EXPORT_FILTERS }
    const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options)
    return result.canceled ? null : (result.filePaths[0] ?? null)
  })
  return () => ipcMain.removeHandler(FILE_DIALOG_CHANNEL)
}
