import type { ExportFormat } from '../../../contract/data-browser.ts'
import type { GridCell, GridColumn } from '../../../contract/data-grid.ts'

/** Encodes rows of one export, chunk by chunk: a header, rows, a footer. */
export interface ExportEncoder {
  readonly contentType: string
  readonly extension: string
  header(): string
  rows(rows: readonly GridCell[][], first: boolean): string
  footer(): string
}

/**
 * A CSV field (RFC 4180). NULL is an empty field and the empty string is
 * `""`, the convention PostgreSQL's own `COPY … CSV` uses, so the two survive
 * a round trip; fields with separators, quotes, line breaks or edge spaces
 * are quoted.
 */
export function csvField(value: GridCell): string {
  if (value === null) return ''
  if (value === '' || /[",\r\n]/.test(value) || /^\s|\s$/.test(value)) return `"${value.replaceAll('"', '""')}"`
  return value
}

const JSON_NUMBER_TYPES = new Set(['smallint', 'integer', 'real', 'double precision'])

/**
 * A cell as a JSON value: json/jsonb as the JSON it is, booleans as booleans,
 * 16/32-bit integers and floats as numbers (but NaN and ±Infinity as strings);
 * bigint and numeric stay strings, since a JSON reader's doubles would round
 * them. Everything else is PostgreSQL's text.
 */
export function jsonCell(column: GridColumn, value: GridCell): string {
  if (value === null) return 'null'
  if (column.kind === 'json') return value
  if (column.type === 'boolean') return value === 't' ? 'true' : value === 'f' ? 'false' : JSON.stringify(value)
  if (JSON_NUMBER_TYPES.has(column.type) && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return value
  return JSON.stringify(value)
}

/** The encoder for a format over these columns. */
export function exportEncoder(format: ExportFormat, columns: readonly GridColumn[]): ExportEncoder {
  if (format === 'csv') {
    return {
      contentType: 'text/csv; charset=utf-8',
      extension: 'csv',
      header: () => `${columns.map((c) => csvField(c.name)).join(',')}\r\n`,
      rows: (rows) => rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join(''),
      footer: () => '',
    }
  }
  const keys = columns.map((c) => JSON.stringify(c.name))
  return {
    contentType: 'application/json; charset=utf-8',
    extension: 'json',
    header: () => '[',
    rows: (rows, first) =>
      rows
        .map((row, i) => `${first && i === 0 ? '\n' : ',\n'}{${row.map((value, c) => `${keys[c]}:${jsonCell(columns[c] as GridColumn, value)}`).join(',')}}`)
        .join(''),
    footer: () => '\n]\n',
  }
}
