import { TableBrowser } from '../data-browser/table-browser.tsx'
import { useWorkspace } from '../workspace.tsx'

/** The demo's customers: a preset of the data browser on the tenant's `customers` table. */
export function CustomersView() {
  // Keyed by tenant: a switch starts the view afresh (no filters, editor or notice carried over).
  const tenant = useWorkspace().active?.schema
  return <TableBrowser key={tenant} table="customers" title="Customers" testId="customers-view" />
}
