import { activityMonitorFor } from '../activity/activity-monitor.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import type { HandlerTable } from './handler-types.ts'

/** The Activity view: tenants ranked by what they cost over the last minutes, and one tenant's top statements. */
export const activityHandlers: Pick<HandlerTable, 'activity/overview' | 'activity/tenant'> = {
  async 'activity/overview'(input, _context, { tenancy }) {
    return activityMonitorFor(tenancy.db).overview({
      rankBy: input.rankBy ?? 'time',
      windowMs: (input.windowSeconds ?? 300) * 1000,
      noisyShare: input.noisyShare ?? 0.5,
      limit: input.limit ?? 100,
    })
  },

  async 'activity/tenant'(input, _context, { tenancy }) {
    assertSchemaName(input.schema, 'schema')
    return activityMonitorFor(tenancy.db).detail(input.schema, input.limit ?? 20)
  },
}
