import { z } from 'zod'
import type { GridCell, GridColumn, TruncatedCell } from './data-grid.ts'

/*
 * The data browser's part of the contract: input schemas (the shape only —
 * the main process checks names against the catalog) and result types. The
 * tenant travels in every call's input, so a call can never land in another
 * tenant than the one its view was showing.
 */

/** Filter operators, the only ones that can reach SQL (an allow-list, not a pattern). */
export const FILTER_OPERATORS = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'in',
  'is_null',
  'not_null',
] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

/** How each operator reads in a filter bar. */
export const FILTER_OPERATOR_LABELS: Record<FilterOperator, string> = {
  eq: '=',
  ne: '≠',
  lt: '<',
  le: '≤',
  gt: '>',
  ge: '≥',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  ends_with: 'ends with',
  in: 'is one of',
  is_null: 'is NULL',
  not_null: 'is not NULL',
}

/** Operators that take no value. */
export const VALUELESS_OPERATORS: ReadonlySet<FilterOperator> = new Set(['is_null', 'not_null'])

/** Largest page a rows call returns. */
export const MAX_PAGE_SIZE = 1000
export const DEFAULT_PAGE_SIZE = 100
/** Cells longer than this many characters come back cut short (and are listed as truncated). */
export const MAX_CELL_CHARS = 10_000

const schemaName = z.string().min(1).max(63)
// PostgreSQL names are at most 63 bytes; longer ones cannot exist, the catalog lookup says so by name.
const identifier = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters')
const cellValue = z.union([z.string().max(1_000_000, 'must be at most 1,000,000 characters'), z.null()])
// A row's version is its xmin (a 32-bit transaction id), quoted back on update and delete.
const version = z.string().regex(/^[0-9]{1,10}$/, 'must be the version the row was read with')

const tableRef = {
  tenant: schemaName,
  table: identifier,
  /** A shared readable table in `public` rather than one of the tenant's own. */
  shared: z.boolean().optional(),
}

const filter = z
  .object({
    column: identifier,
    op: z.enum(FILTER_OPERATORS),
    value: z.union([cellValue, z.array(z.string().max(10_000)).max(1000)]).optional(),
  })
  .strict()

const sort = z.object({ column: identifier, direction: z.enum(['asc', 'desc']) }).strict()

const view = {
  sort: sort.nullable().optional(),
  filters: z.array(filter).max(20, 'at most 20 filters').optional(),
}

/** Where the next page starts: the last row's sort value and key, in the order the rows are sorted. */
const cursor = z
  .object({
    /** Rows with a value in the sort column, or (in a nullable sort column) the NULLs. */
    phase: z.enum(['values', 'nulls']),
    values: z.array(z.string().max(1_000_000).nullable()).max(40),
  })
  .strict()

const key = z.record(identifier, z.string().max(1_000_000))

export const dataBrowserInputs = {
  /** `counts: 'estimate'` answers from the catalog alone (fast); the default counts small tables exactly. */
  tables: z.object({ tenant: schemaName, counts: z.enum(['estimate', 'exact']).optional() }).strict(),
  rows: z
    .object({ ...tableRef, ...view, after: cursor.optional(), limit: z.number().int().min(1).max(MAX_PAGE_SIZE).optional() })
    .strict(),
  insert: z.object({ ...tableRef, values: z.record(identifier, cellValue) }).strict(),
  update: z.object({ ...tableRef, key, version, values: z.record(identifier, cellValue) }).strict(),
  delete: z.object({ ...tableRef, key, version }).strict(),
  export: z.object({ ...tableRef, ...view, format: z.enum(['csv', 'json']) }).strict(),
  allowEdits: z.object({ tenant: schemaName, allow: z.boolean() }).strict(),
}

export type SortSpec = z.infer<typeof sort>
export type FilterSpec = z.infer<typeof filter>
export type RowCursor = z.infer<typeof cursor>
export type RowsInput = z.input<typeof dataBrowserInputs.rows>
export type ExportFormat = z.infer<typeof dataBrowserInputs.export>['format']

/** How rows of a table are told apart: its primary key, a unique NOT NULL key, or (neither) their physical place. */
export interface TableKey {
  kind: 'primary' | 'unique' | 'physical'
  /** The key's columns; for `physical`, the system columns used (`ctid`, with `tableoid` for partitioned tables). */
  columns: string[]
}

/** A row count: exact, or PostgreSQL's estimate for tables past the exact-count threshold. */
export interface RowCount {
  count: number
  exact: boolean
}

export interface TableSummary {
  name: string
  /** A shared readable table in `public` (reference data every tenant may read, none may write). */
  shared: boolean
  kind: 'table' | 'partitioned table' | 'materialized view'
  rows: RowCount
  /** Size of the table's data on disk (without indexes and TOAST). */
  sizeBytes: number
  /** Why the table cannot be edited here, or null when it can (edits still need the tenant's toggle). */
  readOnlyReason: string | null
}

export interface TableList {
  tenant: string
  /** Whether this window has turned on edits for this tenant. */
  editsAllowed: boolean
  /** Tables above this size on disk get an estimated count instead of an exact one. */
  exactCountLimitBytes: number
  tables: TableSummary[]
}

export interface RowPage {
  tenant: string
  /** Whether this window has turned on edits for this tenant. */
  editsAllowed: boolean
  table: { name: string; shared: boolean; readOnlyReason: string | null; key: TableKey }
  columns: GridColumn[]
  rows: GridCell[][]
  /** Each row's version (its xmin) for update/delete; absent when the table cannot be edited. */
  versions?: string[]
  truncated: TruncatedCell[]
  /** The cursor of the next page, or null when this was the last one. */
  next: RowCursor | null
}

/** A row as written: its cells in the order of the table's columns, and its new version. */
export interface WrittenRow {
  columns: GridColumn[]
  row: GridCell[]
  version: string
}

export type ExportResult =
  /** Browser mode: the file streams from this authenticated URL of the local server (valid once, briefly). */
  | { kind: 'download'; url: string; fileName: string }
  /** Desktop: written where the user chose in the save dialog. */
  | { kind: 'saved'; path: string; rows: number; bytes: number }
  | { kind: 'cancelled' }
