import { useInfiniteQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query'
import { useCallback, useMemo, useRef } from 'react'
import { ContractError } from '../../../contract/contract.ts'
import { DEFAULT_PAGE_SIZE, type FilterSpec, type RowCursor, type RowPage, type SortSpec } from '../../../contract/data-browser.ts'
import type { GridCell, GridColumn, TruncatedCell } from '../../../contract/data-grid.ts'
import { useClient } from '../client/client-context.tsx'
import { isTenantConflict } from '../data/queries.ts'
import { queryKeys } from '../data/query-keys.ts'
import { useWorkspace } from '../workspace.tsx'

/*
 * The rows of one table view (sort and filters) of the active tenant, page by
 * page: TanStack's infinite query, each page fetched from the last one's
 * keyset cursor. Edits patch the loaded pages in place (a row updated or
 * deleted stays where the user was looking); an insert reloads the view,
 * since only the server knows where the new row sorts.
 */

export interface TableView {
  sort: SortSpec | null
  filters: FilterSpec[]
}

export interface TableRef {
  table: string
  shared: boolean
}

/** Where a loaded row lives in the query's pages. */
interface RowPlace {
  page: number
  index: number
}

export interface TableRows {
  columns: readonly GridColumn[]
  rows: readonly GridCell[][]
  truncated: readonly TruncatedCell[]
  table: RowPage['table'] | undefined
  editsAllowed: boolean
  /** The first page is loading (nothing to show yet). */
  loading: boolean
  /** Any request is under way (a refresh, the next page). */
  fetching: boolean
  error: unknown
  hasMore: boolean
  loadingMore: boolean
  loadMore: () => void
  reload: () => void
  update: (row: number, values: Record<string, GridCell>) => Promise<void>
  remove: (row: number) => Promise<void>
  insert: (values: Record<string, GridCell>) => Promise<void>
}

type Pages = InfiniteData<RowPage, RowCursor | undefined>

/** The key of a view's rows: under the tenant, so nothing of one tenant is ever shown for another. */
export function rowsKey(schema: string, ref: TableRef, view: TableView): readonly unknown[] {
  return queryKeys.tenantCall(schema, 'data/rows', { table: ref.table, shared: ref.shared, sort: view.sort, filters: view.filters })
}

/** Loads and edits one table view of the window's active tenant (see the file comment). */
export function useTableRows(ref: TableRef, view: TableView, pageSize = DEFAULT_PAGE_SIZE): TableRows {
  const client = useClient()
  const queryClient = useQueryClient()
  const { active, switchingTo, reportRefusedCall } = useWorkspace()
  const schema = switchingTo === null ? (active?.schema ?? null) : null
  const key = useMemo(() => rowsKey(schema ?? '', { table: ref.table, shared: ref.shared }, view), [schema, ref.table, ref.shared, view])

  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) =>
      client.call('data/rows', {
        tenant: schema ?? '',
        table: ref.table,
        ...(ref.shared ? { shared: true } : {}),
        sort: view.sort,
        filters: view.filters,
        limit: pageSize,
        ...(pageParam ? { after: pageParam } : {}),
      }),
    initialPageParam: undefined as RowCursor | undefined,
    getNextPageParam: (last: RowPage) => last.next ?? undefined,
    enabled: schema !== null,
  })

  const pages = schema === null ? [] : (query.data?.pages ?? [])
  const flat = useMemo(() => {
    const rows: GridCell[][] = []
    const truncated: TruncatedCell[] = []
    const places: RowPlace[] = []
    pages.forEach((page, p) => {
      for (const cell of page.truncated) truncated.push({ ...cell, row: cell.row + rows.length })
      page.rows.forEach((row, index) => {
        rows.push(row)
        places.push({ page: p, index })
      })
    })
    return { rows, truncated, places }
  }, [pages])
  const first = pages[0]
  const last = pages[pages.length - 1]
  // The columns stay known while another view of the table loads or fails (the filter bar needs them).
  const knownColumns = useRef<{ key: string; columns: readonly GridColumn[] }>({ key: '', columns: [] })
  const tableKey = `${schema ?? ''}\u0000${ref.shared ? 'shared' : 'own'}\u0000${ref.table}`
  if (first) knownColumns.current = { key: tableKey, columns: first.columns }
  const columns = first?.columns ?? (knownColumns.current.key === tableKey ? knownColumns.current.columns : [])

  /** Runs a write for the active tenant; a refusal because the window switched meanwhile is reported like the other views do. */
  const write = useCallback(
    async <T>(fn: (tenant: string) => Promise<T>): Promise<T> => {
      if (schema === null) throw new Error('no tenant is selected')
      try {
        return await fn(schema)
      } catch (error) {
        if (isTenantConflict(error)) reportRefusedCall(schema)
        throw error
      }
    },
    [schema, reportRefusedCall],
  )

  const keyOf = useCallback(
    (row: number): { key: Record<string, string>; version: string; place: RowPlace } => {
      const place = flat.places[row]
      const page = place ? pages[place.page] : undefined
      const cells = place && page ? page.rows[place.index] : undefined
      const version = place && page ? page.versions?.[place.index] : undefined
      if (!place || !page || !cells || version === undefined) throw new Error('this row cannot be edited (no key or version loaded)')
      const key: Record<string, string> = {}
      for (const name of page.table.key.columns) {
        const value = cells[page.columns.findIndex((c) => c.name === name)]
        if (value === null || value === undefined) throw new Error(`this row has no value for its key column ${name}`)
        key[name] = value
      }
      return { key, version, place }
    },
    [flat.places, pages],
  )

  const patch = useCallback(
    (place: RowPlace, change: { row: GridCell[]; version: string } | null) => {
      queryClient.setQueryData<Pages>(key, (data) => {
        if (!data) return data
        return {
          ...data,
          pages: data.pages.map((page, p) => {
            if (p !== place.page) return page
            const keep = (_: unknown, i: number): boolean => change !== null || i !== place.index
            const rows = change === null ? page.rows.filter(keep) : page.rows.map((row, i) => (i === place.index ? change.row : row))
            const versions = page.versions && (change === null ? page.versions.filter(keep) : page.versions.map((v, i) => (i === place.index ? change.version : v)))
            const truncated = page.truncated
              .filter((cell) => cell.row !== place.index)
              .map((cell) => (change === null && cell.row > place.index ? { ...cell, row: cell.row - 1 } : cell))
            return { ...page, rows, truncated, ...(versions ? { versions } : {}) }
          }),
        }
      })
    },
    [queryClient, key],
  )

  const update = useCallback(
    async (row: number, values: Record<string, GridCell>) => {
      const { key: rowKey, version, place } = keyOf(row)
      const written = await write((tenant) =>
        client.call('data/update', { tenant, table: ref.table, ...(ref.shared ? { shared: true } : {}), key: rowKey, version, values }),
      )
      patch(place, { row: written.row, version: written.version })
    },
    [client, keyOf, write, patch, ref.table, ref.shared],
  )

  const remove = useCallback(
    async (row: number) => {
      const { key: rowKey, version, place } = keyOf(row)
      await write((tenant) => client.call('data/delete', { tenant, table: ref.table, ...(ref.shared ? { shared: true } : {}), key: rowKey, version }))
      patch(place, null)
    },
    [client, keyOf, write, patch, ref.table, ref.shared],
  )

  const insert = useCallback(
    async (values: Record<string, GridCell>) => {
      await write((tenant) => client.call('data/insert', { tenant, table: ref.table, ...(ref.shared ? { shared: true } : {}), values }))
      await queryClient.resetQueries({ queryKey: key })
    },
    [client, write, queryClient, key, ref.table, ref.shared],
  )

  return {
    columns,
    rows: flat.rows,
    truncated: flat.truncated,
    table: last?.table,
    editsAllowed: last?.editsAllowed ?? false,
    loading: schema === null || (query.isPending && query.fetchStatus !== 'idle'),
    fetching: query.isFetching,
    error: schema === null ? null : query.error,
    hasMore: query.hasNextPage,
    loadingMore: query.isFetchingNextPage,
    loadMore: () => void query.fetchNextPage(),
    reload: () => void queryClient.resetQueries({ queryKey: key }),
    update,
    remove,
    insert,
  }
}

/** An error as the grid shows it: the message, and the input field the server named (`values.score`). */
export function problemOf(error: unknown): { field?: string; message: string } {
  if (error instanceof ContractError) return error.field === undefined ? { message: error.message } : { field: error.field, message: error.message }
  return { message: error instanceof Error ? error.message : String(error) }
}
