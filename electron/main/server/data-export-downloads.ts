import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { ExportResult } from '../../../contract/data-browser.ts'
import type { ExportJob } from '../data-browser/data-browser.ts'
import type { ExportPort } from '../handlers/handler-types.ts'
import { NotFoundError } from './http-errors.ts'

/** How long a download link stays valid: long enough for the browser to follow it, not to be shared. */
const TICKET_TTL_MS = 60_000
const MAX_PENDING = 100

/*
 * Data exports in browser mode. `data/export` checks the view and hands back
 * a one-time link, GET /export/<ticket> on the console host (behind the
 * console token like every console route); following it streams the file
 * straight from a database cursor into the response, so a million rows never
 * sit in memory, and the browser saves it as a download.
 */
export class DataExportDownloads implements ExportPort {
  private readonly pending = new Map<string, { job: ExportJob; expires: number }>()

  constructor(private readonly now: () => number = Date.now) {}

  deliver(job: ExportJob): Promise<ExportResult> {
    this.sweep()
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value
      if (oldest !== undefined) this.pending.delete(oldest)
    }
    const ticket = randomBytes(18).toString('base64url')
    this.pending.set(ticket, { job, expires: this.now() + TICKET_TTL_MS })
    return Promise.resolve({ kind: 'download', url: `/export/${ticket}`, fileName: job.fileName })
  }

  /**
   * Streams the export a ticket stands for, once. The caller has checked the
   * host, the origin and the console token. An error before the first byte is
   * thrown (and answered as JSON); after it, the download is cut short, so a
   * browser reports it failed rather than saving half a file as whole.
   */
  async serve(ticket: string, res: ServerResponse): Promise<void> {
    this.sweep()
    const entry = this.pending.get(ticket)
    this.pending.delete(ticket)
    if (!entry) throw new NotFoundError('export: this download link has expired or was used already; export again')
    const { job } = entry
    res.writeHead(200, {
      'content-type': job.contentType,
      // exportFileName keeps to [A-Za-z0-9_.-]: nothing to quote or encode.
      'content-disposition': `attachment; filename="${job.fileName}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    try {
      await job.writeTo(res)
      res.end()
    } catch (error) {
      res.destroy(error instanceof Error ? error : undefined)
    }
  }

  private sweep(): void {
    const now = this.now()
    for (const [ticket, entry] of this.pending) if (entry.expires <= now) this.pending.delete(ticket)
  }
}
