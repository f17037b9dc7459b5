import type { ComponentType } from 'react'
import { ActivityView } from './activity-view.tsx'
import { CustomersView } from './customers-view.tsx'
import { DataView } from './data-view.tsx'
import { DatabaseView } from './database-view.tsx'
import { MigrationsView } from './migrations-view.tsx'
import { OrdersView } from './orders-view.tsx'
import { RequestsView } from './requests-view.tsx'
import { SegregationView } from './segregation-view.tsx'

/** One tab of the console. */
export interface ViewDefinition {
  /** In the URL (`#customers`), the tab's test id (`tab-customers`) and the palette's "Go to …". */
  id: string
  label: string
  /** Shows "No tenant selected" instead of the view while no tenant is active. */
  needsTenant: boolean
  Component: ComponentType
}

/**
 * The console's tabs, in order. Adding a view is one entry here: the tab bar,
 * the panel, the URL hash and the command palette all read this list.
 */
export const VIEWS = [
  { id: 'customers', label: 'Customers', needsTenant: true, Component: CustomersView },
  { id: 'orders', label: 'Orders', needsTenant: true, Component: OrdersView },
  { id: 'data', label: 'Data', needsTenant: true, Component: DataView },
  { id: 'segregation', label: 'Segregation', needsTenant: false, Component: SegregationView },
  { id: 'requests', label: 'Requests', needsTenant: false, Component: RequestsView },
  { id: 'migrations', label: 'Migrations', needsTenant: false, Component: MigrationsView },
  { id: 'activity', label: 'Activity', needsTenant: false, Component: ActivityView },
  { id: 'database', label: 'Database', needsTenant: false, Component: DatabaseView },
] as const satisfies readonly ViewDefinition[]

export type ViewId = (typeof VIEWS)[number]['id']

/** The view a URL hash names (`#orders`), else the first. */
export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '')
  return VIEWS.find((v) => v.id === id)?.id ?? VIEWS[0].id
}
