/** Bytes in the largest unit that keeps the number readable: 1536 → "1.5 kB". */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : ''
  let value = Math.abs(bytes)
  if (value < 1024) return `${sign}${Math.round(value)} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let unit = -1
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${sign}${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** A number with at most `digits` decimals and no trailing noise: 12.5, 0.03, 1200. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '–'
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return String(Number(value.toFixed(Math.abs(value) < 1 ? Math.max(digits, 2) : digits)))
}

export interface Column {
  header: string
  /** Right-aligned (numbers) unless false. */
  right?: boolean
}

/** Lays rows out under their headers, each column as wide as its widest cell. */
export function textTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? ''
        const width = widths[i] ?? 0
        return column.right === false ? cell.padEnd(width) : cell.padStart(width)
      })
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), ...rows.map(line)]
}
