/*
 * Per-tenant activity: what each tenant costs the server. Tenant work runs as
 * the tenant's own role, so PostgreSQL's pg_stat_statements attributes every
 * statement to a tenant; sizes come from the catalog, live sessions from
 * pg_stat_activity. Plain JSON shapes (the `schemata top --json` output and
 * the console's Activity view).
 */

/** Whether per-tenant statement statistics can be read, and if not, why not (in words an admin can act on). */
export type StatementStatsStatus =
  | {
      available: true
      /** Schema the pg_stat_statements extension lives in. */
      extensionSchema: string
      /** False when the login may not see other roles' statement texts (it lacks pg_read_all_stats). */
      queryText: boolean
      /** Entries PostgreSQL evicted since the last reset (pg_stat_statements.max too small): counts are then low. */
      evicted: number
      /** When the statistics were last reset, ISO 8601, where the server says. */
      resetAt: string | null
    }
  | {
      available: false
      reason: 'not-installed' | 'not-loaded' | 'no-access'
      message: string
    }

/** Cumulative statement counters of one role set (since the statistics were reset). */
export interface StatementCounters {
  calls: number
  /** Execution plus planning time, ms. */
  timeMs: number
  rows: number
  sharedBlocksHit: number
  sharedBlocksRead: number
  /** Temporary-file blocks read and written (sorts and hashes that spilled). */
  tempBlocks: number
}

/** A tenant's on-disk footprint: its schema's tables, their indexes, and their TOAST. */
export interface TenantSizes {
  tableBytes: number
  indexBytes: number
  toastBytes: number
  totalBytes: number
}

/** Backends working for a tenant right now (holding a lock on one of its relations, or logged in as its role). */
export interface TenantSessions {
  total: number
  active: number
  idleInTransaction: number
  /** Waiting on a lock or other event. */
  waiting: number
  /** Age of the oldest open transaction among them, ms. */
  oldestTransactionMs: number | null
}

/** One tenant in one sample. */
export interface TenantActivitySample {
  schema: string
  name: string
  /** Null when statement statistics are not available. */
  counters: StatementCounters | null
  sizes: TenantSizes
  sessions: TenantSessions
}

/** One look at the server: `schemata top --json`. Counters are cumulative; compare two samples for rates. */
export interface ActivitySample {
  /** ISO 8601. */
  at: string
  database: string
  statementStats: StatementStatsStatus
  tenants: TenantActivitySample[]
  /** This database's statements by roles that are not tenants (the app's login, the migrator), or null. */
  other: StatementCounters | null
}

export type ActivityMetric = 'time' | 'calls' | 'size'

/** A tenant's activity over the window the console looks at. */
export interface TenantActivityRow {
  schema: string
  name: string
  /** Counter increases over the window (all zero when statement statistics are not available). */
  window: StatementCounters
  /** window.timeMs / window.calls, or null without calls. */
  meanTimeMs: number | null
  sizes: TenantSizes
  /** Size change over the window, bytes (negative after a VACUUM FULL or a delete that truncated). */
  growthBytes: number
  sessions: TenantSessions
  /** This tenant's part of all tenants' total of the ranking metric, 0–1. */
  share: number
  /** Its share is above the noisy-neighbour threshold (and there is more than one tenant with activity). */
  noisy: boolean
  /** The ranking metric per sampling interval over the window, oldest first (sizes: the size at each sample). */
  series: number[]
}

/** The console's Activity view: tenants ranked by what they cost over the last minutes. */
export interface ActivityOverview {
  at: string
  statementStats: StatementStatsStatus
  rankBy: ActivityMetric
  /** The time the window actually covers (less than asked right after sampling started), ms. */
  windowMs: number
  intervalMs: number
  noisyShare: number
  /** Sum of the ranking metric over all tenants (ms, calls or bytes). */
  total: number
  /** Tenants in the database; `tenants` holds at most `limit` of them, the top ones. */
  tenantCount: number
  tenants: TenantActivityRow[]
}

/** One normalised statement of a tenant, from pg_stat_statements (cumulative since reset). */
export interface TopStatement {
  queryId: string | null
  /** The normalised text ($1, $2 for constants), or why it cannot be shown. */
  query: string
  calls: number
  timeMs: number
  meanTimeMs: number
  rows: number
  sharedBlocksHit: number
  sharedBlocksRead: number
  tempBlocks: number
  /** Part of the tenant's total statement time, 0–1. */
  share: number
}

/** A backend working for a tenant. */
export interface TenantSessionRow {
  pid: number
  /** active, idle in transaction, … (pg_stat_activity.state). */
  state: string
  /** The login the backend runs as. */
  user: string
  applicationName: string
  waitEvent: string | null
  /** ISO 8601, start of its transaction, or null. */
  transactionStart: string | null
  /** The statement it runs (or last ran), shortened. */
  query: string
}

/** `activity/tenant`: one tenant's top statements, sizes and live sessions. */
export interface TenantActivityDetail {
  schema: string
  name: string
  statementStats: StatementStatsStatus
  statements: TopStatement[]
  totals: StatementCounters | null
  sizes: TenantSizes
  sessions: TenantSessionRow[]
}
