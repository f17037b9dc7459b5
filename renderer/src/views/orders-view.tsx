import { TableBrowser } from '../data-browser/table-browser.tsx'
import { useWorkspace } from '../workspace.tsx'

/** The demo's orders, newest first: a preset of the data browser on the tenant's `orders` table. */
export function OrdersView() {
  const tenant = useWorkspace().active?.schema
  return <TableBrowser key={tenant} table="orders" title="Orders" initialSort={{ column: 'id', direction: 'desc' }} testId="orders-view" />
}
