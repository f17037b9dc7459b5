import type { RowCount } from './data-browser.ts'
import type { OrderStatus } from './data-rules.ts'

/*
 * The data that crosses the contract boundary (IPC, HTTP). Plain JSON shapes:
 * no Dates, no class instances. The tenancy core returns these shapes or maps
 * its own to them in the contract handlers.
 */

/**
 * `pooled`: a ready schema of the warm pool (never listed or routed). `archived`: exported and
 * dropped, the registry row kept. `moving` / `moved`: being / having been moved to another database.
 */
export type TenantStatus = 'active' | 'suspended' | 'pooled' | 'archived' | 'moving' | 'moved'
export type { OrderStatus } from './data-rules.ts'

export interface TenantInfo {
  name: string
  schema: string
  /** Which of the project's tenant types (see project/current): it gets that type's migrations. */
  type: string
  status: TenantStatus
  domains: string[]
  createdAt: string
}

export interface TenantListItem extends TenantInfo {
  appliedMigrations: number
  pendingMigrations: string[]
  sizeBytes: number
  /** An archived tenant's archive: where, its checksum, when. */
  archive?: { path: string; sha256: string; archivedAt: string }
  /** A moved (or moving) tenant's target database (without password). */
  movedTo?: string
}

/** What `tenants/export` wrote. */
export interface ExportSummary {
  schema: string
  path: string
  bytes: number
  rows: number
  /** The file's checksum (its closing line, which covers every part's). */
  sha256: string
  tables: { name: string; rows: number }[]
}

/** A tenant made by clone or import, with how many rows it received. */
export interface TenantWithRows extends TenantInfo {
  rows: number
}

export interface ArchiveSummary {
  schema: string
  path: string
  sha256: string
  bytes: number
  rows: number
  archivedAt: string
}

export interface MoveSummary {
  schema: string
  /** The target URL without its password. */
  movedTo: string
  rows: number
  bytes: number
  droppedSource: boolean
  /** The move finished one that had been interrupted after the target committed. */
  resumed: boolean
}

/** The warm pool: ready tenant schemas `tenants/create` claims. */
export interface PoolInfo {
  size: number
  ready: number
  behind: number
}

/** A long tenant operation's progress, sent to the window that started it. */
export interface TenantProgressEvent {
  operation: 'clone' | 'export' | 'import' | 'archive' | 'unarchive' | 'move'
  schema: string
  progress: LifecycleProgress
}

export interface ActiveTenant {
  tenant: TenantInfo | null
}

export interface CustomerDto {
  id: number
  name: string
  email: string
  createdAt: string
}

export interface OrderDto {
  id: number
  customerId: number
  customerName: string
  amountCents: number
  status: OrderStatus
  createdAt: string
}

/** A kind of tenant the open project declares, with its tenant migrations in order. */
export interface TenantTypeInfo {
  name: string
  label: string
  description?: string
  migrations: string[]
}

/** The open project (`schemata.config.json`): what the console shows and offers. */
export interface ProjectInfo {
  name: string
  /** The folder holding its schemata.config.json. */
  root: string
  configPath: string
  /** The demo that ships with Schemata. */
  builtin: boolean
  tenantTypes: TenantTypeInfo[]
  defaultTenantType: string
  /** The project's shared migrations of `public`, in order. */
  sharedMigrations: string[]
  /** Tables in `public` every tenant may read (and reference), never write: shown read-only. */
  sharedReadable: string[]
  baseDomain: string
  routing: { subdomains: boolean; header: string; pathPrefix: boolean }
}

export interface MigrationGrid {
  /** Every tenant migration of the project, by name (each type's are a subset). */
  migrations: string[]
  /** The project's tenant types, each with its migrations in order: the grid is grouped by them. */
  types: { name: string; label: string; migrations: string[] }[]
  /** `applied` and `pending` are against the tenant's own type. */
  tenants: { schema: string; name: string; type: string; applied: string[]; pending: string[] }[]
  sharedPending: string[]
}

export interface SchemaOutcome {
  schema: string
  status: 'migrated' | 'up-to-date' | 'failed'
  applied: string[]
  failedMigration?: string
  message?: string
}

export interface MigrationReport {
  shared?: SchemaOutcome
  tenants: SchemaOutcome[]
  /** Counts over tenant schemas. */
  counts: { total: number; migrated: number; upToDate: number; failed: number; applied: number }
  durationMs: number
}

/** Progress of a migration run, streamed to the CLI and the UI's progress bars. */
export type MigrationEvent =
  | { type: 'waiting'; holder: string }
  | { type: 'run-start'; shared: boolean; tenants: number }
  | { type: 'schema-start'; schema: string; index: number; total: number; pending: number }
  | { type: 'migration-applied'; schema: string; migration: string }
  | { type: 'schema-done'; schema: string; index: number; total: number; applied: string[] }
  | { type: 'schema-failed'; schema: string; index: number; total: number; migration?: string; message: string }
  | { type: 'run-done'; report: MigrationReport }

/** Progress of a long tenant operation (export, import, clone, move, archive), for progress bars. */
export interface LifecycleProgress {
  phase: 'export' | 'import' | 'clone' | 'verify' | 'move' | 'archive'
  /** The table being worked on, if any. */
  table?: string
  rowsDone: number
  rowsTotal: number
  /** Bytes of export data written or read so far. */
  bytes?: number
}

export interface SchemaInfo {
  name: string
  /** The tenant that owns the schema, or null for `public` and unregistered schemas. */
  tenant: string | null
  owner: string
  /** Row counts: exact for tables up to a size on disk (exactCountLimitBytes of data/tables), PostgreSQL's estimate past it (`exact: false`). */
  tables: { name: string; rows: RowCount }[]
}

export interface SessionInfo {
  schema: string
  currentUser: string
  sessionUser: string
  searchPath: string
  /** What `customers` resolves to inside the scope. */
  customersTable: string | null
}

export interface ProbeResult {
  /** The statement that was tried inside the active tenant's scope. */
  sql: string
  from: string
  target: string
  allowed: boolean
  /** PostgreSQL's SQLSTATE and message when refused. */
  sqlstate?: string
  message: string
}

export type Resolution =
  | { ok: true; schema: string; status: TenantStatus; via: 'domain' | 'subdomain' | 'path' | 'header' }
  | { ok: false; reason: 'none' | 'unknown' | 'conflict'; message: string }

export interface DbStatus {
  mode: 'embedded' | 'external'
  running: boolean
  host: string | null
  port: number | null
  database: string | null
  user: string | null
  serverVersion: string | null
  dataDir: string | null
  error?: string
  /**
   * Set while the server keeps its process and sockets but answers nothing
   * (frozen, wedged): when the health probe last heard from it, as an ISO
   * time. `running` is false then and `error` says why.
   */
  notRespondingSince?: string
}

/** Every error code the contract knows; anything else from the other side reads as INTERNAL. */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'TENANT_NOT_FOUND',
  'TENANT_SUSPENDED',
  'CONFLICT',
  'MIGRATION_FAILED',
  'MIGRATOR_BUSY',
  'DATABASE_UNAVAILABLE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'NO_ACTIVE_TENANT',
  'NOT_FOUND',
  'SQL_ERROR',
  'CANCELLED',
  'TIMEOUT',
  'INTERNAL',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** The wire form of an error: what IPC, HTTP and `--json` output carry. */
export interface ErrorEnvelope {
  code: ErrorCode
  message: string
  field?: string
}

/** One tenant API request as the Requests panel's live log shows it. */
export interface ApiRequestLogEntry {
  /** Also sent as the response's X-Request-Id. */
  id: string
  /** ISO 8601, when the request arrived. */
  time: string
  method: string
  /** The Host header as sent. */
  host: string
  /** Path without the query string (a query may carry anything). */
  path: string
  /** Schema of the tenant the request resolved to, or null when it resolved to none. */
  tenant: string | null
  /** How it resolved: exact domain, subdomain of the base domain, or X-Tenant header. */
  via: 'domain' | 'subdomain' | 'path' | 'header' | null
  status: number
  /** Milliseconds from arrival to the response being written. */
  ms: number
}

/** Result of `requests/send`: what the real server answered, and what it resolved the request to. */
export interface TenantApiResponse {
  status: number
  /** Response headers, names lower-case. */
  headers: Record<string, string>
  /** The response body as text (truncated past 256 KiB, see `truncated`). */
  body: string
  truncated: boolean
  /** The body parsed as JSON, or null if it is not JSON. */
  json: unknown
  durationMs: number
  /** What the server resolved the request to, from its own request log. */
  resolved: { tenant: string | null; via: ApiRequestLogEntry['via'] }
  /** The server's log entry for this request, when it was an /api request. */
  logEntry: ApiRequestLogEntry | null
}

/** What one call answers across any transport (IPC, HTTP): its result, or an error envelope. */
export type CallOutcome = { ok: true; result: unknown } | { ok: false; error: ErrorEnvelope }
