import { useMemo, useState, type ReactNode } from 'react'
import type { ExportFormat, FilterSpec, SortSpec } from '../../../../contract/data-browser.ts'
import type { GridCell, GridColumn, TruncatedCell } from '../../../../contract/data-grid.ts'
import { CellReader } from './cell-reader.tsx'
import { cellPreview, formatCount, isExpandableCell, isNumeric } from './cell-format.ts'
import { FilterBar } from './filter-bar.tsx'
import { RowEditor } from './row-editor.tsx'
import './data-grid.css'

/*
 * A grid of any rows: columns with their PostgreSQL types, NULL shown as NULL
 * (never as an empty cell), JSON and long text opened whole in a reader. What
 * else it offers depends on the capabilities passed in — sorting, a filter
 * bar, "load more", export, editing — so the data browser and the SQL
 * console's results share it. It knows nothing of tables or tenants.
 */

/** A problem reported by the server, with the input field it names when it names one. */
export interface GridProblem {
  field?: string | undefined
  message: string
}

export interface GridSorting {
  value: SortSpec | null
  onChange: (next: SortSpec | null) => void
}

export interface GridFiltering {
  value: readonly FilterSpec[]
  onChange: (next: FilterSpec[]) => void
  error?: GridProblem | undefined
}

export interface GridPaging {
  hasMore: boolean
  loading: boolean
  onLoadMore: () => void
}

export interface GridExport {
  formats: readonly ExportFormat[]
  busy?: boolean
  onExport: (format: ExportFormat) => void
}

export interface GridEditing {
  /** Why rows cannot be changed right now (read-only table, edits off), or null when they can. */
  readOnlyReason: string | null
  onInsert: (values: Record<string, GridCell>) => Promise<void>
  onUpdate: (rowIndex: number, values: Record<string, GridCell>) => Promise<void>
  onDelete: (rowIndex: number) => Promise<void>
  /** The last edit's problem, shown in the editor (by field) until the next attempt. */
  error?: GridProblem | undefined
  clearError?: () => void
}

export interface DataGridProps {
  columns: readonly GridColumn[]
  rows: readonly (readonly GridCell[])[]
  /** Cells that arrived cut short (their full length), by row and column. */
  truncated?: readonly TruncatedCell[]
  /** An accessible name for the table. */
  label: string
  rowKey?: (row: readonly GridCell[], index: number) => string
  loading?: boolean
  sorting?: GridSorting
  filtering?: GridFiltering
  paging?: GridPaging
  exporting?: GridExport
  editing?: GridEditing
  /** Shown in the toolbar, left of the actions (a count, a toggle). */
  toolbar?: ReactNode
  empty?: ReactNode
  testId?: string
  /** Shows a column's (non-NULL) values as something other than their text, e.g. a tenant column as a colour badge. */
  renderValue?: (column: GridColumn, value: string) => ReactNode | undefined
}

type Editor = { kind: 'insert' } | { kind: 'update'; row: number } | null

function nextSort(current: SortSpec | null, column: string): SortSpec | null {
  if (current?.column !== column) return { column, direction: 'asc' }
  return current.direction === 'asc' ? { column, direction: 'desc' } : null
}

function Cell({
  column,
  value,
  truncatedLength,
  onOpen,
  renderValue,
}: {
  column: GridColumn
  value: GridCell
  truncatedLength: number | undefined
  onOpen: () => void
  renderValue: DataGridProps['renderValue']
}) {
  if (value === null) {
    return (
      <td className="grid__cell grid__cell--null" data-testid="grid-cell" data-column={column.name} data-null="true">
        <span className="grid__null">NULL</span>
      </td>
    )
  }
  const expandable = truncatedLength !== undefined || isExpandableCell(column, value)
  const numeric = isNumeric(column)
  return (
    <td
      className={`grid__cell ${numeric ? 'grid__cell--number' : ''} ${value === '' ? 'grid__cell--empty' : ''} grid__cell--${column.kind}`}
      data-testid="grid-cell"
      data-column={column.name}
      title={value === '' ? 'empty string' : undefined}
    >
      <div className="grid__cell-inner">
        <span className="grid__value">{renderValue?.(column, value) ?? (value === '' ? '' : cellPreview(column, value))}</span>
        {expandable && (
          <button type="button" className="grid__expand" aria-label={`Open ${column.name} value`} onClick={onOpen} data-testid="grid-expand">
            ⤢
          </button>
        )}
      </div>
    </td>
  )
}

/** The reusable data grid (see the file comment). */
export function DataGrid(props: DataGridProps) {
  const { columns, rows, truncated, label, rowKey, loading, sorting, filtering, paging, exporting, editing, toolbar, empty, testId, renderValue } = props
  const [reader, setReader] = useState<{ row: number; column: number } | null>(null)
  const [editor, setEditor] = useState<Editor>(null)
  const [confirmDelete, setConfirmDelete] = useState<number | null>(null)
  const [filtersOpen, setFiltersOpen] = useState(false)
  const truncatedAt = useMemo(() => new Map((truncated ?? []).map((cell) => [`${cell.row}:${cell.column}`, cell.length])), [truncated])
  const canEdit = editing !== undefined && editing.readOnlyReason === null
  const filterCount = filtering?.value.length ?? 0
  const showFilters = filtering !== undefined && (filtersOpen || filterCount > 0 || filtering.error !== undefined)

  const openEditor = (next: Editor): void => {
    editing?.clearError?.()
    setEditor(next)
  }

  const readerCell = reader ? rows[reader.row]?.[reader.column] : undefined
  const editorRow = editor?.kind === 'update' ? rows[editor.row] : undefined
  const editorTruncated = useMemo(() => {
    if (editor?.kind !== 'update') return new Set<number>()
    return new Set((truncated ?? []).filter((cell) => cell.row === editor.row).map((cell) => cell.column))
  }, [editor, truncated])

  return (
    <div className="grid" data-testid={testId ?? 'data-grid'} aria-busy={loading === true}>
      <div className="grid__toolbar">
        {toolbar}
        <span className="grid__spacer" />
        {filtering && (
          <button
            type="button"
            className={`button button--small ${showFilters ? 'button--active' : ''}`}
            aria-expanded={showFilters}
            onClick={() => setFiltersOpen((open) => !open)}
            data-testid="grid-filters-toggle"
          >
            Filter{filterCount > 0 ? ` (${filterCount})` : ''}
          </button>
        )}
        {exporting?.formats.map((format) => (
          <button
            key={format}
            type="button"
            className="button button--small"
            disabled={exporting.busy}
            onClick={() => exporting.onExport(format)}
            data-testid={`grid-export-${format}`}
          >
            Export {format.toUpperCase()}
          </button>
        ))}
        {editing && (
          <button
            type="button"
            className="button button--small button--primary"
            disabled={!canEdit}
            title={editing.readOnlyReason ?? undefined}
            onClick={() => openEditor({ kind: 'insert' })}
            data-testid="grid-insert"
          >
            + Row
          </button>
        )}
      </div>
      {editing && editing.readOnlyReason !== null && (
        <p className="grid__read-only" data-testid="grid-read-only">
          Read-only: {editing.readOnlyReason}
        </p>
      )}
      {editing?.error && !editor && (
        <div className="alert alert--error" role="alert" data-testid="grid-edit-error">
          <span className="alert__message">{editing.error.message}</span>
          {editing.clearError && (
            <button type="button" className="button button--small" onClick={editing.clearError} aria-label="Dismiss">
              ×
            </button>
          )}
        </div>
      )}
      {showFilters && <FilterBar columns={columns} value={filtering.value} onChange={filtering.onChange} error={filtering.error} />}
      <div className={`grid__scroll ${loading ? 'grid__scroll--loading' : ''}`}>
        <table className="grid__table" aria-label={label} aria-rowcount={rows.length + 1}>
          <thead>
            <tr>
              {columns.map((column) => {
                const sorted = sorting?.value?.column === column.name ? sorting.value.direction : undefined
                const heading = (
                  <>
                    <span className="grid__column-name">
                      {column.primaryKey && (
                        <span className="grid__key" title="primary key" aria-label="primary key">
                          ⚷
                        </span>
                      )}
                      {column.name}
                      {sorted && <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : ' ▼'}</span>}
                    </span>
                    <span className="grid__column-type" data-testid="grid-column-type">
                      {column.type}
                    </span>
                  </>
                )
                return (
                  <th
                    key={column.name}
                    scope="col"
                    className={isNumeric(column) ? 'grid__head--number' : undefined}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                    data-testid="grid-column"
                    data-column={column.name}
                  >
                    {sorting ? (
                      <button
                        type="button"
                        className="grid__sort"
                        onClick={() => sorting.onChange(nextSort(sorting.value, column.name))}
                        title={`Sort by ${column.name}`}
                      >
                        {heading}
                      </button>
                    ) : (
                      heading
                    )}
                  </th>
                )
              })}
              {editing && (
                <th scope="col" className="grid__actions-head">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={rowKey ? rowKey(row, r) : r} data-testid="grid-row">
                {columns.map((column, c) => (
                  <Cell
                    key={column.name}
                    column={column}
                    value={row[c] ?? null}
                    truncatedLength={truncatedAt.get(`${r}:${c}`)}
                    onOpen={() => setReader({ row: r, column: c })}
                    renderValue={renderValue}
                  />
                ))}
                {editing && (
                  <td className="grid__actions">
                    {confirmDelete === r ? (
                      <>
                        <button
                          type="button"
                          className="button button--small button--danger"
                          onClick={() => {
                            setConfirmDelete(null)
                            void editing.onDelete(r)
                          }}
                        >
                          Confirm delete
                        </button>
                        <button type="button" className="button button--small" onClick={() => setConfirmDelete(null)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <>
                        <button type="button" className="button button--small" disabled={!canEdit} onClick={() => openEditor({ kind: 'update', row: r })} data-testid="grid-edit">
                          Edit
                        </button>
                        <button
                          type="button"
                          className="button button--small button--ghost-danger"
                          disabled={!canEdit}
                          onClick={() => setConfirmDelete(r)}
                          data-testid="grid-delete"
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && !loading && <div className="grid__empty" data-testid="grid-empty">{empty ?? 'No rows.'}</div>}
      </div>
      <div className="grid__footer">
        <span className="grid__loaded" data-testid="grid-loaded">
          {formatCount(rows.length)} {rows.length === 1 ? 'row' : 'rows'} loaded
        </span>
        {paging && paging.hasMore && (
          <button type="button" className="button button--small" disabled={paging.loading} onClick={paging.onLoadMore} data-testid="grid-load-more">
            {paging.loading ? 'Loading…' : 'Load more'}
          </button>
        )}
        {paging && !paging.hasMore && rows.length > 0 && <span className="grid__end">end of rows</span>}
      </div>
      {reader && readerCell !== undefined && readerCell !== null && (
        <CellReader
          column={columns[reader.column] as GridColumn}
          value={readerCell}
          fullLength={truncatedAt.get(`${reader.row}:${reader.column}`)}
          onClose={() => setReader(null)}
        />
      )}
      {editor && editing && (
        <RowEditor
          key={editor.kind === 'update' ? `u${editor.row}` : 'insert'}
          columns={columns}
          row={editorRow}
          truncatedColumns={editorTruncated}
          error={editing.error}
          onClose={() => setEditor(null)}
          onSave={async (values) => {
            try {
              if (editor.kind === 'insert') await editing.onInsert(values)
              else await editing.onUpdate(editor.row, values)
              setEditor(null)
            } catch {
              // The editor stays open; the caller put the problem in `editing.error`, which it shows by field.
            }
          }}
        />
      )}
    </div>
  )
}
