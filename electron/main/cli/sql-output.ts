import type { GridColumn } from '../../../contract/data-grid.ts'

/*
 * `schemata sql` output, written as rows arrive: an aligned table (psql's
 * layout), a JSON array of row objects, or CSV. Nothing waits for the whole
 * result, so a fan-out over 10,000 tenants — or one tenant's million rows —
 * goes out in bounded memory; each write waits for the output to drain.
 */

export type OutputFormat = 'table' | 'json' | 'csv'

/** Where output text goes; resolves once the text is taken (the stream drained). */
export type WriteText = (text: string) => Promise<void>

type Row = readonly (string | null)[]

/** One result's output: rows as they come (each with its tenant in a fan-out), then the end. */
export interface ResultWriter {
  /**
   * Whether rows with these columns fit the output. The first columns make the
   * header; in a fan-out a tenant whose columns differ (table and CSV only)
   * gets the reason back instead of a place in the output.
   */
  accept(columns: readonly GridColumn[]): string | null
  rows(columns: readonly GridColumn[], rows: readonly Row[], tenant?: string): Promise<void>
  /** Rows written so far. */
  readonly count: number
  end(): Promise<void>
}

const TENANT_COLUMN: GridColumn = { name: 'tenant', type: 'text', kind: 'text' }

/** A writer for `format`; `fanOut` puts each row's tenant in a leading `tenant` column. */
export function resultWriter(format: OutputFormat, write: WriteText, fanOut: boolean): ResultWriter {
  if (format === 'json') return new JsonWriter(write, fanOut)
  if (format === 'csv') return new CsvWriter(write, fanOut)
  return new TableWriter(write, fanOut)
}

function sameNames(a: readonly GridColumn[], b: readonly GridColumn[]): boolean {
  return a.length === b.length && a.every((column, i) => column.name === b[i]?.name)
}

function namesOf(columns: readonly GridColumn[]): string {
  return `(${columns.map((c) => c.name).join(', ')})`
}

abstract class HeaderedWriter implements ResultWriter {
  protected header: readonly GridColumn[] | undefined
  count = 0

  constructor(
    protected readonly write: WriteText,
    protected readonly fanOut: boolean,
  ) {}

  accept(columns: readonly GridColumn[]): string | null {
    if (this.header === undefined) {
      this.header = this.fanOut ? [TENANT_COLUMN, ...columns] : columns
      return null
    }
    const own = this.fanOut ? this.header.slice(1) : this.header
    return sameNames(own, columns) ? null : `returned columns ${namesOf(columns)}, unlike the first tenant's ${namesOf(own)}`
  }

  abstract rows(columns: readonly GridColumn[], rows: readonly Row[], tenant?: string): Promise<void>
  abstract end(): Promise<void>

  protected cells(row: Row, tenant: string | undefined): Row {
    return this.fanOut ? [tenant ?? null, ...row] : row
  }
}

/** RFC 4180; NULL is an empty field and the empty string a quoted one (PostgreSQL's own CSV convention). */
export function csvField(value: string | null): string {
  if (value === null) return ''
  return value === '' || /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

class CsvWriter extends HeaderedWriter {
  private started = false

  async rows(_columns: readonly GridColumn[], rows: readonly Row[], tenant?: string): Promise<void> {
    let text = ''
    if (!this.started && this.header) {
      this.started = true
      text += `${this.header.map((c) => csvField(c.name)).join(',')}\r\n`
    }
    for (const row of rows) text += `${this.cells(row, tenant).map(csvField).join(',')}\r\n`
    this.count += rows.length
    if (text !== '') await this.write(text)
  }

  async end(): Promise<void> {
    if (!this.started && this.header) await this.rows([], [])
  }
}

const EXACT_INTEGER = /^-?\d{1,15}$/

/**
 * A value as JSON: numbers that survive the trip exactly as numbers (a bigint
 * or numeric that would lose digits stays a string), booleans as booleans,
 * json/jsonb as the JSON itself, everything else as PostgreSQL's text.
 */
export function jsonValue(column: GridColumn, value: string | null): unknown {
  if (value === null) return null
  if (column.kind === 'boolean' && (value === 't' || value === 'f')) return value === 't'
  if (column.kind === 'json') {
    try {
      return JSON.parse(value) as unknown
    } catch {
      return value
    }
  }
  if (column.kind === 'number') {
    if (EXACT_INTEGER.test(value)) return Number(value)
    const n = Number(value)
    if (Number.isFinite(n) && String(n) === value) return n
  }
  return value
}

class JsonWriter implements ResultWriter {
  count = 0

  constructor(
    private readonly write: WriteText,
    private readonly fanOut: boolean,
  ) {}

  accept(): string | null {
    // Objects carry their own keys: tenants with different columns merge without loss.
    return null
  }

  async rows(columns: readonly GridColumn[], rows: readonly Row[], tenant?: string): Promise<void> {
    if (rows.length === 0) return
    let text = ''
    for (const row of rows) {
      const object: Record<string, unknown> = this.fanOut ? { tenant: tenant ?? null } : {}
      columns.forEach((column, i) => {
        object[column.name] = jsonValue(column, row[i] ?? null)
      })
      text += `${this.count === 0 ? '[\n' : ',\n'}${JSON.stringify(object)}`
      this.count++
    }
    await this.write(text)
  }

  async end(): Promise<void> {
    await this.write(this.count > 0 ? '\n]\n' : '[]\n')
  }
}

/** Rows held to measure column widths before the table starts; later rows keep those widths (wider ones overflow). */
const MEASURE_ROWS = 500

function displayCell(value: string | null): string {
  if (value === null) return 'NULL'
  return value.replace(/\r\n|\r|\n/g, '↵').replace(/\t/g, ' ')
}

class TableWriter extends HeaderedWriter {
  private held: string[][] = []
  private widths: number[] | undefined
  private right: boolean[] = []

  async rows(_columns: readonly GridColumn[], rows: readonly Row[], tenant?: string): Promise<void> {
    for (const row of rows) this.held.push(this.cells(row, tenant).map(displayCell))
    this.count += rows.length
    if (this.widths === undefined && this.held.length < MEASURE_ROWS) return
    await this.flush()
  }

  async end(): Promise<void> {
    // Every tenant failed: no columns, no table (the failures are on stderr).
    if (this.header === undefined) return
    await this.flush()
    await this.write(`(${this.count.toLocaleString('en-US')} ${this.count === 1 ? 'row' : 'rows'})\n`)
  }

  private async flush(): Promise<void> {
    const header = this.header ?? []
    let text = ''
    if (this.widths === undefined) {
      this.widths = header.map((column, i) => Math.max(column.name.length, ...this.held.map((row) => row[i]?.length ?? 0)))
      this.right = header.map((column) => column.kind === 'number')
      text += `${this.line(header.map((c) => c.name), true)}\n${this.widths.map((w) => '-'.repeat(w + 2)).join('+')}\n`
    }
    for (const row of this.held) text += `${this.line(row, false)}\n`
    this.held = []
    if (text !== '') await this.write(text)
  }

  private line(cells: readonly string[], heading: boolean): string {
    const widths = this.widths ?? []
    return cells
      .map((cell, i) => {
        const width = widths[i] ?? cell.length
        if (heading) {
          const left = Math.floor((width - cell.length) / 2)
          return ` ${' '.repeat(Math.max(0, left))}${cell.padEnd(width - Math.max(0, left))} `
        }
        return ` ${this.right[i] ? cell.padStart(width) : cell.padEnd(width)} `
      })
      .join('|')
      .trimEnd()
  }
}
