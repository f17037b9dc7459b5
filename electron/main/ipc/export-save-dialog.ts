import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import { BrowserWindow, dialog } from 'electron'
import type { ExportResult } from '../../../contract/data-browser.ts'
import type { ExportJob } from '../data-browser/data-browser.ts'
import type { ExportPort } from '../handlers/handler-types.ts'

/**
 * Data exports in the desktop app: the native save dialog, then the export
 * streamed from its database cursor straight into the chosen file. A failed
 * export removes the partial file rather than leave half a table behind.
 */
export function saveDialogExports(): ExportPort {
  return {
    async deliver(job: ExportJob): Promise<ExportResult> {
      const extension = job.fileName.slice(job.fileName.lastIndexOf('.') + 1)
      const options: Electron.SaveDialogOptions = {
        title: 'Export rows',
        defaultPath: job.fileName,
        filters: [{ name: extension.toUpperCase(), extensions: [extension] }],
      }
      const parent = BrowserWindow.getFocusedWindow()
      const choice = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options)
      if (choice.canceled || !choice.filePath) return { kind: 'cancelled' }
      const path = choice.filePath
      const file = createWriteStream(path)
      try {
        const stats = await job.writeTo(file)
        file.end()
        await finished(file)
        return { kind: 'saved', path, rows: stats.rows, bytes: stats.bytes }
      } catch (error) {
        file.destroy()
        await rm(path, { force: true })
        throw error
      }
    },
  }
}
