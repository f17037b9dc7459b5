import type { RowCount, TableList, TableSummary } from '../../../contract/data-browser.ts'
import { useTenantQuery, type ViewQuery } from '../data/queries.ts'

/**
 * The active tenant's tables: first as the catalog estimates them (fast at any
 * number of tenants), then — in a second request — with small tables counted
 * exactly. Shows whichever is newest; counts stay marked until exact.
 */
export function useTableList(): ViewQuery<TableList> {
  const estimated = useTenantQuery('data/tables', { counts: 'estimate' })
  const exact = useTenantQuery('data/tables', { counts: 'exact' }, { enabled: estimated.data !== undefined })
  return {
    data: exact.data ?? estimated.data,
    error: estimated.error ?? exact.error,
    loading: estimated.loading || exact.loading,
    reload: () => {
      estimated.reload()
      exact.reload()
    },
  }
}

/** One table of the list, if the list has it. */
export function findTable(list: TableList | undefined, table: string, shared: boolean): TableSummary | undefined {
  return list?.tables.find((t) => t.name === table && t.shared === shared)
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

/** "1,234 rows" when exact; "≈ 1.2M rows (estimate)" when not. */
export function formatRowCount(rows: RowCount): string {
  if (rows.exact) return `${rows.count.toLocaleString('en-US')} ${rows.count === 1 ? 'row' : 'rows'}`
  return `≈ ${compact.format(rows.count)} rows (estimate)`
}
