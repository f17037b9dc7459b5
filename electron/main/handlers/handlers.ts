import { activityHandlers } from './activity-handlers.ts'
import { dataBrowserHandlers } from './data-browser-handlers.ts'
import { dataHandlers } from './data-handlers.ts'
import { dbHandlers } from './db-handlers.ts'
import type { HandlerTable } from './handler-types.ts'
import { inspectHandlers } from './inspect-handlers.ts'
import { lifecycleHandlers } from './lifecycle-handlers.ts'
import { migrationHandlers } from './migration-handlers.ts'
import { projectHandlers } from './project-handlers.ts'
import { routingHandlers } from './routing-handlers.ts'
import { sqlHandlers } from './sql-handlers.ts'
import { tenantHandlers } from './tenant-handlers.ts'

/** Every call's handler; typed as the full table, so a call without a handler does not compile. */
export const handlers: HandlerTable = {
  ...tenantHandlers,
  ...lifecycleHandlers,
  ...migrationHandlers,
  ...dataHandlers,
  ...dataBrowserHandlers,
  ...inspectHandlers,
  ...routingHandlers,
  ...dbHandlers,
  ...activityHandlers,
  ...projectHandlers,
  ...sqlHandlers,
}
