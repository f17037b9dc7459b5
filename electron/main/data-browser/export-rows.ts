import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { ExportFormat, FilterSpec, SortSpec } from '../../../contract/data-browser.ts'
import type { GridCell } from '../../../contract/data-grid.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import type { TenantScope } from '../tenancy/scope.ts'
import { BindParams } from './bind-params.ts'
import { translateDataError } from './data-errors.ts'
import { type ExportEncoder, exportEncoder } from './export-format.ts'
import { filterConditions } from './filters.ts'
import { orderingFor, phaseColumns } from './keyset.ts'
import { type TableMeta, gridColumns } from './table-meta.ts'
import { TEXT_VALUES } from './text-values.ts'

/** Rows fetched from the cursor per round trip: memory stays at one batch whatever the table's size. */
export const EXPORT_BATCH_ROWS = 2000

export interface ExportView {
  sort?: SortSpec | null | undefined
  filters?: FilterSpec[] | undefined
}

export interface ExportStats {
  rows: number
  bytes: number
}

/**
 * The whole view as one statement: the grid's filters and its total order
 * (sort column in PostgreSQL's NULL placement, then the key), which is the
 * order the pages come in, so the file has the rows the user paged through.
 */
export function exportQuery(meta: TableMeta, view: ExportView): { sql: string; params: BindParams } {
  const params = new BindParams()
  const conditions = filterConditions(meta, view.filters, params)
  const ordering = orderingFor(meta, view.sort)
  const dir = ordering.direction === 'asc' ? 'ASC' : 'DESC'
  const order = phaseColumns(ordering, 'values').map((name) => `${quoteIdent(name)} ${dir}`)
  const sql =
    `SELECT ${meta.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${qualified(meta.schema, meta.name)}` +
    (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') +
    ` ORDER BY ${order.join(', ')}`
  return { sql, params }
}

/** Runs the view's statement for no rows: a bad filter value or column fails here, before any byte is sent. */
export async function checkExport(scope: TenantScope, meta: TableMeta, view: ExportView): Promise<void> {
  const { sql, params } = exportQuery(meta, view)
  try {
    await scope.submit({ text: `${sql} LIMIT 0`, values: params.values, rowMode: 'array', types: TEXT_VALUES })
  } catch (error) {
    throw translateDataError(error, params, 'filters')
  }
}

async function write(sink: Writable, chunk: string): Promise<number> {
  if (chunk.length === 0) return 0
  if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), once(sink, 'close')])
  if (sink.destroyed) throw new Error('the export was cancelled (the file or download was closed)')
  return Buffer.byteLength(chunk)
}

/**
 * Streams the view into `sink` as CSV or JSON from a cursor inside the
 * tenant's read-only scope: one snapshot for the whole file, EXPORT_BATCH_ROWS
 * rows in memory at a time, and each batch written only once the sink has
 * taken the last (backpressure), so a million rows cost what a few thousand do.
 */
export async function streamExport(
  scope: TenantScope,
  meta: TableMeta,
  view: ExportView,
  format: ExportFormat,
  sink: Writable,
  batchRows = EXPORT_BATCH_ROWS,
): Promise<ExportStats> {
  const encoder: ExportEncoder = exportEncoder(format, gridColumns(meta))
  const { sql, params } = exportQuery(meta, view)
  try {
    await scope.submit({ text: `DECLARE schemata_export NO SCROLL CURSOR FOR ${sql}`, values: params.values })
  } catch (error) {
    throw translateDataError(error, params, 'filters')
  }
  let rows = 0
  let bytes = await write(sink, encoder.header())
  for (;;) {
    const result = await scope.submit({ text: `FETCH FORWARD ${Math.trunc(batchRows)} FROM schemata_export`, rowMode: 'array', types: TEXT_VALUES })
    const batch = result.rows as GridCell[][]
    if (batch.length === 0) break
    bytes += await write(sink, encoder.rows(batch, rows === 0))
    rows += batch.length
    if (batch.length < batchRows) break
  }
  bytes += await write(sink, encoder.footer())
  return { rows, bytes }
}

/** `acme-customers-20250101-120000.csv`: tenant, table and time, in characters any file system takes. */
export function exportFileName(tenant: string, table: string, format: ExportFormat, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  const safeTable = table.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'table'
  return `${tenant}-${safeTable}-${stamp}.${format}`
}
