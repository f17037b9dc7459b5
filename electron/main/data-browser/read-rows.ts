import { DEFAULT_PAGE_SIZE, MAX_CELL_CHARS, type FilterSpec, type RowCursor, type RowPage, type SortSpec } from '../../../contract/data-browser.ts'
import type { GridCell, TruncatedCell } from '../../../contract/data-grid.ts'
import type { TenantScope } from '../tenancy/scope.ts'
import { BindParams } from './bind-params.ts'
import { translateDataError } from './data-errors.ts'
import { filterConditions } from './filters.ts'
import { type Ordering, type Phase, checkCursor, cursorAfter, orderingFor, pageQuery } from './keyset.ts'
import { StaleTableMetaError } from './meta-cache.ts'
import { type TableMeta, fieldsMatch, gridColumns } from './table-meta.ts'
import { TEXT_VALUES } from './text-values.ts'

/** What to read: a view of a table (sort, filters) and where in it. */
export interface PageRequest {
  sort?: SortSpec | null | undefined
  filters?: FilterSpec[] | undefined
  after?: RowCursor | undefined
  limit?: number | undefined
}

interface Collected {
  phase: Phase
  row: GridCell[]
}

/** Reads one phase's rows (as PostgreSQL text, arrays of cells) after `after`, at most `limit`. */
async function readPhase(
  scope: TenantScope,
  meta: TableMeta,
  request: PageRequest,
  ordering: Ordering,
  phase: Phase,
  after: (string | null)[] | undefined,
  limit: number,
  withVersion: boolean,
): Promise<{ rows: GridCell[][]; names: string[] }> {
  const params = new BindParams()
  const conditions = filterConditions(meta, request.filters, params)
  const query = pageQuery({ meta, ordering, phase, after, conditions, limit, params, withVersion })
  let result
  try {
    result = await scope.submit({ text: query.sql, values: params.values, rowMode: 'array', types: TEXT_VALUES })
  } catch (error) {
    throw translateDataError(error, params, 'filters')
  }
  if (!fieldsMatch(meta, result.fields)) throw new StaleTableMetaError(meta.name)
  return { rows: result.rows as GridCell[][], names: query.names }
}

/** Cuts cells longer than MAX_CELL_CHARS (listing each), so one huge value cannot swamp a page. */
function truncateCells(rows: GridCell[][], width: number): TruncatedCell[] {
  const truncated: TruncatedCell[] = []
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) {
      const value = row[c]
      if (typeof value === 'string' && value.length > MAX_CELL_CHARS) {
        truncated.push({ row: r, column: c, length: value.length })
        row[c] = value.slice(0, MAX_CELL_CHARS)
      }
    }
  })
  return truncated
}

/**
 * One page of a table inside the tenant's scope: keyset order (see keyset.ts),
 * filters, at most `limit` rows, the cursor of the next page, and each row's
 * version when the table can be edited. A nullable sort column may take a
 * second statement when a page spans the boundary between values and NULLs.
 */
export async function readPage(scope: TenantScope, meta: TableMeta, tenant: string, request: PageRequest): Promise<Omit<RowPage, 'editsAllowed'>> {
  const ordering = orderingFor(meta, request.sort)
  if (request.after) checkCursor(ordering, request.after)
  const limit = request.limit ?? DEFAULT_PAGE_SIZE
  const withVersion = meta.readOnlyReason === null
  const collected: Collected[] = []
  let names: string[] = []
  let phaseIndex = request.after ? ordering.phases.indexOf(request.after.phase) : 0
  let after = request.after?.values
  while (phaseIndex < ordering.phases.length) {
    const phase = ordering.phases[phaseIndex] as Phase
    // One row more than asked: whether it exists says whether there is a next page.
    const want = limit + 1 - collected.length
    const result = await readPhase(scope, meta, request, ordering, phase, after, want, withVersion)
    names = result.names
    for (const row of result.rows) collected.push({ phase, row })
    if (result.rows.length >= want) break
    phaseIndex += 1
    after = undefined
  }
  const page = collected.slice(0, limit)
  const position = new Map(names.map((name, i) => [name, i]))
  const last = page[page.length - 1]
  const next = collected.length > limit && last ? cursorAfter(ordering, last.phase, last.row, position) : null
  const width = meta.columns.length
  const versionAt = position.get('xmin')
  const rows = page.map((entry) => entry.row.slice(0, width))
  const result: Omit<RowPage, 'editsAllowed'> = {
    tenant,
    table: { name: meta.name, shared: meta.shared, readOnlyReason: meta.readOnlyReason, key: meta.key },
    columns: gridColumns(meta),
    rows,
    truncated: truncateCells(rows, width),
    next,
  }
  if (withVersion && versionAt !== undefined) result.versions = page.map((entry) => String(entry.row[versionAt]))
  return result
}
