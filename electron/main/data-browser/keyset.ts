import type { RowCursor, SortSpec } from '../../../contract/data-browser.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { InvalidInputError } from '../errors.ts'
import type { BindParams } from './bind-params.ts'
import { columnNamed } from './filters.ts'
import type { ColumnMeta, TableMeta } from './table-meta.ts'

/*
 * Keyset pagination: a page is "the next N rows after the last one seen" in a
 * total order — the sort column, then the table's key — so a page costs the
 * same on row 10 as on row 1,000,000 and an index on the sort column serves it.
 *
 * The total order is PostgreSQL's own: ascending puts NULLs last, descending
 * first. A row comparison `(s, k) > ($1, $2)` can use the index but is never
 * true for a NULL `s`, so a nullable sort column is read in two phases — the
 * rows with a value, and the NULLs ordered by key alone — and the cursor says
 * which phase it is in.
 */

export type Phase = RowCursor['phase']

export interface Ordering {
  /** The sort column, when there is one other than the key. */
  sort: ColumnMeta | undefined
  direction: 'asc' | 'desc'
  /** The key columns (user or system) that break ties and make the order total. */
  key: string[]
  phases: Phase[]
}

/** The total order for a table and an optional sort; the sort column must exist. */
export function orderingFor(meta: TableMeta, sort: SortSpec | null | undefined): Ordering {
  const direction = sort?.direction ?? 'asc'
  const column = sort ? columnNamed(meta, sort.column, 'sort.column') : undefined
  const key = meta.key.columns.filter((name) => name !== column?.name)
  // Sorting by a single-column key is the key order itself.
  const sortColumn = column !== undefined && key.length > 0 ? column : undefined
  const keyColumns = sortColumn === undefined && column !== undefined ? [column.name] : key
  const phases: Phase[] = sortColumn?.nullable ? (direction === 'asc' ? ['values', 'nulls'] : ['nulls', 'values']) : ['values']
  return { sort: sortColumn, direction, key: keyColumns, phases }
}

/** The columns that order the rows of a phase, most significant first. */
export function phaseColumns(ordering: Ordering, phase: Phase): string[] {
  return phase === 'values' && ordering.sort ? [ordering.sort.name, ...ordering.key] : ordering.key
}

export interface PageQuery {
  sql: string
  /** Column names of the result, in order: the table's columns, then key system columns, then `xmin` if asked for. */
  names: string[]
}

export interface PageQueryOptions {
  meta: TableMeta
  ordering: Ordering
  phase: Phase
  /** The last row seen in this phase, as its phase column values. */
  after: (string | null)[] | undefined
  conditions: readonly string[]
  limit: number
  params: BindParams
  /** Also select each row's version (xmin), for edits. */
  withVersion: boolean
}

/** The names a page's rows carry beyond the table's columns (physical key, version). */
export function extraNames(meta: TableMeta, withVersion: boolean): string[] {
  const extras = meta.key.kind === 'physical' ? [...meta.key.columns] : []
  if (withVersion) extras.push('xmin')
  return extras
}

/** One phase of one page as SQL: filters, the position after the cursor, the order, the limit. */
export function pageQuery(options: PageQueryOptions): PageQuery {
  const { meta, ordering, phase, after, limit, params } = options
  const extras = extraNames(meta, options.withVersion)
  const names = [...meta.columns.map((c) => c.name), ...extras]
  const conditions = [...options.conditions]
  if (ordering.sort?.nullable) conditions.push(`${quoteIdent(ordering.sort.name)} ${phase === 'values' ? 'IS NOT NULL' : 'IS NULL'}`)
  const columns = phaseColumns(ordering, phase).map(quoteIdent)
  const op = ordering.direction === 'asc' ? '>' : '<'
  if (after !== undefined) {
    const placeholders = after.map((value, i) => params.add(value, `after.values.${i}`))
    conditions.push(`(${columns.join(', ')}) ${op} (${placeholders.join(', ')})`)
  }
  const dir = ordering.direction === 'asc' ? 'ASC' : 'DESC'
  // `t.*` rather than the described names: a column added since shows up in the result, which the
  // caller compares with the description (see fieldsMatch).
  const sql =
    `SELECT t.*${extras.map((name) => `, t.${quoteIdent(name)}`).join('')} FROM ${qualified(meta.schema, meta.name)} AS t` +
    (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') +
    ` ORDER BY ${columns.map((c) => `${c} ${dir}`).join(', ')} LIMIT ${Math.trunc(limit)}`
  return { sql, names }
}

/** Checks a cursor against the ordering it claims to continue: phase known, one value per phase column, no NULL key. */
export function checkCursor(ordering: Ordering, cursor: RowCursor): void {
  if (!ordering.phases.includes(cursor.phase)) {
    throw new InvalidInputError('after.phase', 'does not match this sort; start again from the first page')
  }
  const expected = phaseColumns(ordering, cursor.phase).length
  if (cursor.values.length !== expected || cursor.values.some((v) => v === null)) {
    throw new InvalidInputError('after.values', 'do not match this sort; start again from the first page')
  }
}

/** The cursor just after a row (given as name → position in the result row). */
export function cursorAfter(ordering: Ordering, phase: Phase, row: readonly (string | null)[], position: ReadonlyMap<string, number>): RowCursor {
  return {
    phase,
    values: phaseColumns(ordering, phase).map((name) => row[position.get(name) ?? -1] ?? null),
  }
}
