import type { TableSummary } from '../../../contract/data-browser.ts'
import { ErrorMessage, Loading } from '../components/states.tsx'
import { formatRowCount, useTableList } from './use-table-list.ts'

export interface TableChoice {
  table: string
  shared: boolean
}

function TableItem({ table, selected, onSelect }: { table: TableSummary; selected: boolean; onSelect: () => void }) {
  return (
    <li>
      <button
        type="button"
        className={`table-list__item ${selected ? 'table-list__item--selected' : ''}`}
        aria-current={selected ? 'true' : undefined}
        onClick={onSelect}
        data-testid="table-list-item"
        data-table={table.name}
        data-shared={table.shared}
        title={table.readOnlyReason ? `Read-only: ${table.readOnlyReason}` : undefined}
      >
        <span className="table-list__name">{table.name}</span>
        <span className={`table-list__count ${table.rows.exact ? '' : 'table-list__count--estimate'}`} data-testid="table-list-count">
          {formatRowCount(table.rows)}
        </span>
        {table.readOnlyReason !== null && !table.shared && <span className="table-list__flag">read-only</span>}
        {table.kind !== 'table' && <span className="table-list__flag">{table.kind}</span>}
      </button>
    </li>
  )
}

/** The active tenant's tables, then the project's shared readable ones (read-only), with their row counts. */
export function TableListPanel({ selected, onSelect }: { selected: TableChoice | undefined; onSelect: (choice: TableChoice) => void }) {
  const list = useTableList()
  if (list.error && !list.data) return <ErrorMessage title="Could not list the tables." message={list.error} onRetry={list.reload} testId="table-list-error" />
  if (!list.data) return <Loading label="Listing tables…" testId="table-list-loading" />
  const own = list.data.tables.filter((t) => !t.shared)
  const shared = list.data.tables.filter((t) => t.shared)
  const isSelected = (t: TableSummary): boolean => selected?.table === t.name && selected.shared === t.shared
  return (
    <nav className="table-list" aria-label="Tables" data-testid="table-list">
      <h3 className="table-list__heading">Tables of {list.data.tenant}</h3>
      {own.length === 0 ? (
        <p className="muted">This tenant has no tables.</p>
      ) : (
        <ul>
          {own.map((t) => (
            <TableItem key={t.name} table={t} selected={isSelected(t)} onSelect={() => onSelect({ table: t.name, shared: false })} />
          ))}
        </ul>
      )}
      {shared.length > 0 && (
        <>
          <h3 className="table-list__heading" title="Reference data in public: every tenant may read it, none may write it">
            Shared (read-only)
          </h3>
          <ul>
            {shared.map((t) => (
              <TableItem key={t.name} table={t} selected={isSelected(t)} onSelect={() => onSelect({ table: t.name, shared: true })} />
            ))}
          </ul>
        </>
      )}
    </nav>
  )
}
