import type { ComponentType } from 'react'
import { ActivityView } from './activity-view.tsx'
import { CustomersView } from './customers-view.tsx'
import { DataView } from './data-view.tsx'
import { DatabaseView } from './database-view.tsx'
import { MigrationsView } from './migrations-view.tsx'
import { OrdersView } from './orders-view.tsx'
import { RequestsView } from './requests-view.tsx'
import { SegregationView } from './segregation-view.tsx'
import { SqlView } from './sql-view.tsx'

/** One tab of the console. */
export interface ViewDefinition {
  /** In the URL (`#customers`), the tab's test id (`tab-customers`) and the palette's "Go to …". */
  id: string
  label: string
  /** Shows "No tenant selected" instead of the view while no tenant is active. */
  needsTenant: boolean
  /** A preset over the built-in demo's own tables: offered only while the demo project is open. */
  demoOnly?: boolean
  Component: ComponentType
}

/**
 * The console's tabs, in order. Adding a view is one entry here: the tab bar,
 * the panel, the URL hash and the command palette all read this list.
 */
export const VIEWS = [
  { id: 'customers', label: 'Customers', needsTenant: true, demoOnly: true, Component: CustomersView },
  { id: 'orders', label: 'Orders', needsTenant: true, demoOnly: true, Component: OrdersView },
  { id: 'data', label: 'Data', needsTenant: true, Component: DataView },
  { id: 'sql', label: 'SQL', needsTenant: true, Component: SqlView },
  { id: 'segregation', label: 'Segregation', needsTenant: false, Component: SegregationView },
  { id: 'requests', label: 'Requests', needsTenant: false, Component: RequestsView },
  { id: 'migrations', label: 'Migrations', needsTenant: false, Component: MigrationsView },
  { id: 'activity', label: 'Activity', needsTenant: false, Component: ActivityView },
  { id: 'database', label: 'Database', needsTenant: false, Component: DatabaseView },
] as const satisfies readonly ViewDefinition[]

export type ViewId = (typeof VIEWS)[number]['id']
type View = (typeof VIEWS)[number]

/**
 * The tabs a project gets: the demo's presets only on the demo (another
 * project's tenants have no `customers` table); `builtin` undefined while the
 * project is not known yet, when every tab is listed.
 */
export function viewsFor(builtin: boolean | undefined): readonly View[] {
  return builtin === false ? VIEWS.filter((v: ViewDefinition) => v.demoOnly !== true) : VIEWS
}

/** The view a URL hash names (`#orders`), else the first. */
export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '')
  return VIEWS.find((v) => v.id === id)?.id ?? VIEWS[0].id
}
