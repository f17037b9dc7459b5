import type { ExportFormat } from '../../../contract/data-browser.ts'
import type { GridCell, GridColumn } from '../../../contract/data-grid.ts'

/*
 * A console result as a file: the rows loaded in the grid (the page or pages
 * the user has), written here rather than re-run on the server — the
 * statement may not be safe to run twice. CSV as RFC 4180 (NULL as an empty
 * field, the empty string quoted); JSON as an array of row objects with
 * PostgreSQL's text of each value and null for NULL.
 */

function csvField(value: GridCell): string {
  if (value === null) return ''
  return value === '' || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** The rows as CSV with a header line. */
export function resultCsv(columns: readonly GridColumn[], rows: readonly (readonly GridCell[])[]): string {
  const lines = [columns.map((c) => csvField(c.name)).join(',')]
  for (const row of rows) lines.push(columns.map((_, i) => csvField(row[i] ?? null)).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** The rows as a JSON array of objects (of a repeated column name, the last one wins). */
export function resultJson(columns: readonly GridColumn[], rows: readonly (readonly GridCell[])[]): string {
  return JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i] ?? null]))), null, 2)
}

/** Saves the rows as a download named `<base>.<format>`. */
export function downloadResult(format: ExportFormat, base: string, columns: readonly GridColumn[], rows: readonly (readonly GridCell[])[]): void {
  const text = format === 'csv' ? resultCsv(columns, rows) : resultJson(columns, rows)
  const blob = new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = `${base}.${format}`
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  // The click has started the download by now; the URL is not needed afterwards.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
