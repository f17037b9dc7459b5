import { useEffect, useState } from 'react'
import { TableBrowser } from '../data-browser/table-browser.tsx'
import { TableListPanel, type TableChoice } from '../data-browser/table-list-panel.tsx'
import { useTableList } from '../data-browser/use-table-list.ts'
import { Empty } from '../components/states.tsx'
import { useWorkspace } from '../workspace.tsx'

/** Any table of the active tenant (and the shared readable ones): the list on the left, the chosen table's grid beside it. */
export function DataView() {
  const tenant = useWorkspace().active?.schema ?? ''
  const list = useTableList()
  const [choice, setChoice] = useState<{ tenant: string; table: TableChoice } | undefined>(undefined)
  // A table chosen in one tenant means nothing in another: start from the first table of the new one.
  const first = list.data?.tables[0]
  useEffect(() => {
    if (choice?.tenant === tenant || !first || list.data?.tenant !== tenant) return
    setChoice({ tenant, table: { table: first.name, shared: first.shared } })
  }, [tenant, first, choice?.tenant, list.data?.tenant])
  const selected = choice?.tenant === tenant ? choice.table : undefined

  return (
    <div className="data-view" data-testid="data-view">
      <TableListPanel selected={selected} onSelect={(table) => setChoice({ tenant, table })} />
      <div className="data-view__main">
        {selected ? (
          <TableBrowser key={`${tenant}/${selected.shared ? 'shared' : 'own'}/${selected.table}`} table={selected.table} shared={selected.shared} />
        ) : (
          list.data && list.data.tables.length === 0 && <Empty>No tables to show.</Empty>
        )}
      </div>
    </div>
  )
}
