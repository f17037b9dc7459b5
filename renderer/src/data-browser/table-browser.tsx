import { useQueryClient, type InfiniteData } from '@tanstack/react-query'
import { useCallback, useEffect, useState } from 'react'
import type { ExportFormat, FilterSpec, RowPage, SortSpec } from '../../../contract/data-browser.ts'
import { useClient } from '../client/client-context.tsx'
import { DataGrid, type GridProblem } from '../components/data-grid/data-grid.tsx'
import { ErrorMessage, Loading } from '../components/states.tsx'
import { isTenantConflict } from '../data/queries.ts'
import { queryKeys } from '../data/query-keys.ts'
import { errorMessage } from '../lib/format.ts'
import { useWorkspace } from '../workspace.tsx'
import { findTable, formatRowCount, useTableList } from './use-table-list.ts'
import { problemOf, useTableRows, type TableView } from './use-table-rows.ts'
import './data-browser.css'

export interface TableBrowserProps {
  table: string
  /** A shared readable table in `public`. */
  shared?: boolean
  /** The heading; the table's name by default. */
  title?: string
  /** The sort a preset opens with. */
  initialSort?: SortSpec | null
  testId?: string
}

const FORMATS: readonly ExportFormat[] = ['csv', 'json']

/** Whether a failed read is about the filter bar's input (shown there) rather than the view as a whole. */
function isFilterProblem(problem: GridProblem): boolean {
  return problem.field === 'filters' || problem.field?.startsWith('filters.') === true
}

/** Starts a download of a link from the local server; the browser saves it (the console cookie goes along). */
function download(url: string, fileName: string): void {
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
}

/** "Allow edits" for the active tenant in this window: the server keeps it, every view of the tenant follows. */
function useEditsToggle(): { busy: boolean; error: string | undefined; set: (allow: boolean) => Promise<void> } {
  const client = useClient()
  const queryClient = useQueryClient()
  const { active, reportRefusedCall } = useWorkspace()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const set = useCallback(
    async (allow: boolean) => {
      const tenant = active?.schema
      if (tenant === undefined) return
      setBusy(true)
      setError(undefined)
      try {
        const result = await client.call('data/allow-edits', { tenant, allow })
        queryClient.setQueriesData<InfiniteData<RowPage>>({ queryKey: [...queryKeys.tenant(tenant), 'data/rows'] }, (data) =>
          data ? { ...data, pages: data.pages.map((page) => ({ ...page, editsAllowed: result.editsAllowed })) } : data,
        )
        void queryClient.invalidateQueries({ queryKey: [...queryKeys.tenant(tenant), 'data/tables'] })
      } catch (caught) {
        if (isTenantConflict(caught)) reportRefusedCall(tenant)
        setError(errorMessage(caught))
      } finally {
        setBusy(false)
      }
    },
    [client, queryClient, active?.schema, reportRefusedCall],
  )
  return { busy, error, set }
}

/**
 * One table of the active tenant in the data grid: keyset pages ("load
 * more"), sort by any column, filters, export of the current view, and — with
 * "Allow edits" on and a primary key — row edits with conflict detection.
 * The Data view shows any table with it; Customers and Orders are presets.
 */
export function TableBrowser({ table, shared = false, title, initialSort = null, testId }: TableBrowserProps) {
  const client = useClient()
  const { active } = useWorkspace()
  const [view, setView] = useState<TableView>({ sort: initialSort, filters: [] })
  const rows = useTableRows({ table, shared }, view)
  const list = useTableList()
  const summary = findTable(list.data, table, shared)
  const edits = useEditsToggle()
  const [editError, setEditError] = useState<GridProblem | undefined>(undefined)
  const [exporting, setExporting] = useState(false)
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined)
  useEffect(() => setEditError(undefined), [active?.schema, table])

  const readProblem = rows.error ? problemOf(rows.error) : undefined
  const filterProblem = readProblem && isFilterProblem(readProblem) ? readProblem : undefined
  const viewProblem = readProblem && !filterProblem ? readProblem : undefined
  const tableInfo = rows.table
  const readOnlyReason = tableInfo?.readOnlyReason ?? (rows.editsAllowed ? null : 'edits are off for this tenant — turn on “Allow edits” to change rows')

  const guarded = <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      setEditError(undefined)
      try {
        await fn(...args)
      } catch (error) {
        setEditError(problemOf(error))
        throw error
      }
    }

  const exportView = async (format: ExportFormat): Promise<void> => {
    if (!active) return
    setExporting(true)
    setNotice(undefined)
    try {
      const result = await client.call('data/export', {
        tenant: active.schema,
        table,
        ...(shared ? { shared: true } : {}),
        sort: view.sort,
        filters: view.filters,
        format,
      })
      if (result.kind === 'download') {
        download(result.url, result.fileName)
        setNotice({ kind: 'ok', text: `Downloading ${result.fileName}…` })
      } else if (result.kind === 'saved') {
        setNotice({ kind: 'ok', text: `Saved ${result.rows.toLocaleString('en-US')} rows to ${result.path}.` })
      }
    } catch (error) {
      setNotice({ kind: 'error', text: `Export failed: ${errorMessage(error)}` })
    } finally {
      setExporting(false)
    }
  }

  return (
    <section className="table-browser" aria-label={title ?? table} data-testid={testId ?? 'table-browser'} data-table={table} data-shared={shared}>
      <header className="table-browser__header">
        <h2 className="table-browser__title">{title ?? table}</h2>
        {shared && <span className="badge badge--shared">shared · read-only</span>}
        {summary && (
          <span className={`table-browser__count ${summary.rows.exact ? '' : 'table-browser__count--estimate'}`} data-testid="table-row-count">
            {formatRowCount(summary.rows)}
          </span>
        )}
        <span className="table-browser__spacer" />
        <button type="button" className="button button--small" onClick={rows.reload} disabled={rows.fetching} data-testid="table-reload">
          Reload
        </button>
      </header>
      {notice && (
        <div className={`alert ${notice.kind === 'error' ? 'alert--error' : 'alert--info'}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="table-notice">
          <span className="alert__message">{notice.text}</span>
          <button type="button" className="button button--small" onClick={() => setNotice(undefined)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {edits.error && <ErrorMessage message={`Could not change “Allow edits”: ${edits.error}`} />}
      {viewProblem && (
        <ErrorMessage title={`Could not load ${table}.`} message={viewProblem.message} onRetry={rows.reload} testId="table-error" />
      )}
      {rows.columns.length === 0 && !rows.error ? (
        <Loading label={`Loading ${table}…`} testId="table-loading" />
      ) : (
        <DataGrid
          label={title ?? table}
          columns={rows.columns}
          rows={rows.rows}
          truncated={rows.truncated}
          loading={rows.fetching && !rows.loadingMore}
          sorting={{ value: view.sort, onChange: (sort) => setView((v) => ({ ...v, sort })) }}
          filtering={{ value: view.filters, onChange: (filters: FilterSpec[]) => setView((v) => ({ ...v, filters })), error: filterProblem }}
          paging={{ hasMore: rows.hasMore, loading: rows.loadingMore, onLoadMore: rows.loadMore }}
          exporting={{ formats: FORMATS, busy: exporting, onExport: (format) => void exportView(format) }}
          editing={{
            readOnlyReason,
            error: editError,
            clearError: () => setEditError(undefined),
            onInsert: guarded(rows.insert),
            onUpdate: guarded(rows.update),
            onDelete: async (row) => {
              // The grid does not wait for a delete; its failure is shown above the table.
              await guarded(rows.remove)(row).catch(() => undefined)
            },
          }}
          toolbar={
            tableInfo?.readOnlyReason === null ? (
              <label className="switch" data-testid="allow-edits">
                <input type="checkbox" role="switch" checked={rows.editsAllowed} disabled={edits.busy} onChange={(event) => void edits.set(event.target.checked)} />
                <span>Allow edits</span>
              </label>
            ) : undefined
          }
          empty={view.filters.length > 0 ? 'No rows match these filters.' : 'This table has no rows.'}
          testId="table-grid"
        />
      )}
    </section>
  )
}
