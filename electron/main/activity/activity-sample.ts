import type { ActivitySample, StatementCounters, StatementStatsStatus, TenantSizes } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'
import { SqlState, pgErrorOf } from '../db/pg-error.ts'
import { StatementStatsGoneError, readTenantCounters, statementStatsSource, zeroCounters } from './statement-stats.ts'
import { readTenantSessions, noSessions } from './tenant-sessions.ts'
import { readTenantSizes, zeroSizes } from './tenant-sizes.ts'

export interface SampleOptions {
  /**
   * Sizes from an earlier sample, to reuse instead of reading the catalog:
   * sizes move slowly and cost a few stat() calls per relation, so a monitor
   * reads them less often than the counters.
   */
  sizes?: ReadonlyMap<string, TenantSizes>
}

/** One look at what every tenant costs: statement counters, sizes, live sessions. */
export async function takeActivitySample(db: Database, options: SampleOptions = {}): Promise<ActivitySample> {
  const source = await statementStatsSource(db)
  let tenants: { schema: string; name: string }[]
  try {
    tenants = await db.rows<{ schema: string; name: string }>('SELECT schema, name FROM public.tenants ORDER BY schema')
  } catch (error) {
    // A database the shared migrations have not reached yet has no tenants to report on.
    if (pgErrorOf(error)?.code !== SqlState.undefinedTable) throw error
    return { at: new Date().toISOString(), database: db.databaseName, statementStats: source.status, other: null, tenants: [] }
  }
  let statementStats: StatementStatsStatus = source.status
  let counters: Map<string, StatementCounters> | undefined
  let other: StatementCounters | null = null
  if ('fn' in source) {
    try {
      const read = await readTenantCounters(db, source)
      counters = read.tenants
      other = read.other
    } catch (error) {
      if (!(error instanceof StatementStatsGoneError)) throw error
      statementStats = { available: false, reason: 'not-loaded', message: 'pg_stat_statements stopped answering (the server restarted without it)' }
    }
  }
  const sizes = options.sizes ?? (await readTenantSizes(db))
  const sessions = await readTenantSessions(db)
  return {
    at: new Date().toISOString(),
    database: db.databaseName,
    statementStats,
    other,
    tenants: tenants.map((tenant) => ({
      schema: tenant.schema,
      name: tenant.name,
      counters: counters ? (counters.get(tenant.schema) ?? zeroCounters()) : null,
      sizes: sizes.get(tenant.schema) ?? zeroSizes(),
      sessions: sessions.get(tenant.schema) ?? noSessions(),
    })),
  }
}
