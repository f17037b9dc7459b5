import type { GridCell, GridColumn } from '../../../../contract/data-grid.ts'

/** Columns whose values read best right-aligned. */
export function isNumeric(column: GridColumn): boolean {
  return column.kind === 'number'
}

/**
 * A cell on one line of the grid: PostgreSQL's booleans as true/false, line
 * breaks shown as ⏎, long values cut with an ellipsis (the reader shows them
 * whole). NULL is not text at all: the caller renders it as a badge.
 */
export function cellPreview(column: GridColumn, value: string, max = 120): string {
  if (column.kind === 'boolean') return value === 't' ? 'true' : value === 'f' ? 'false' : value
  const oneLine = value.replace(/\r\n|\r|\n/g, ' ⏎ ')
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}

/** A cell as the reader shows it: JSON pretty-printed, anything else exactly as stored. */
export function readerText(column: GridColumn, value: string): string {
  if (column.kind !== 'json') return value
  try {
    return JSON.stringify(JSON.parse(value), null, 2)
  } catch {
    // A truncated JSON value does not parse; show it as it came.
    return value
  }
}

/** Whether a cell is worth opening in the reader: JSON, arrays, long or multi-line text. */
export function isExpandableCell(column: GridColumn, value: GridCell, preview = 120): value is string {
  if (value === null) return false
  return column.kind === 'json' || column.kind === 'array' || value.length > preview || /[\r\n]/.test(value)
}

/** "1,234" — thousands separated, for counts. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}
