import { z } from 'zod'
import { amountCents, customerFields, customerName, email, orderStatus } from './data-rules.ts'
import type { ActivityOverview, TenantActivityDetail } from './activity-types.ts'
import type { RunDetail, RunSummary } from './rollout-types.ts'
import { dataBrowserInputs, type ExportResult, type RowPage, type TableList, type WrittenRow } from './data-browser.ts'
import { type FanOutEvent, type FanOutSummary, type FanOutTargetList, type SqlCatalog, type SqlPage, type SqlRunResult, sqlConsoleInputs } from './sql-console.ts'
import type {
  ActiveTenant,
  ArchiveSummary,
  ExportSummary,
  MoveSummary,
  PoolInfo,
  TenantProgressEvent,
  TenantWithRows,
  ApiRequestLogEntry,
  CustomerDto,
  DbStatus,
  MigrationEvent,
  MigrationGrid,
  MigrationReport,
  OrderDto,
  ProbeResult,
  ProjectInfo,
  Resolution,
  SchemaInfo,
  SessionInfo,
  TenantInfo,
  TenantApiResponse,
  TenantListItem,
} from './types.ts'

/*
 * Every call of the contract, declared once: its name (`domain/verb`), the
 * runtime schema of its input, and the type of its result. Main validates
 * inputs against these schemas before a handler runs; preload and the browser
 * client derive their method lists and types from this object — nothing is
 * typed twice by hand.
 */

/** A typed marker for a call's result; carries no runtime value. */
function returns<T>(): T {
  return undefined as T
}

// Shape checks only: the tenancy core applies the full naming rules (and names the field).
const schemaName = z.string().min(1).max(63)
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
const empty = z.object({}).strict()
const runId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)

/**
 * The input of a call that runs in the calling window's active tenant. It
 * names that tenant, and main refuses the call (CONFLICT) when the window has
 * switched to another one since: an answer is never for a tenant the caller
 * did not mean, and a write never lands in the tenant switched to.
 */
function inTenant<S extends z.ZodRawShape>(shape: S) {
  return z.object({ tenant: schemaName, ...shape }).strict()
}
const filePath = z.string().min(1).max(4096)
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const PRINTABLE = /^[\x20-\x7e\t]*$/

export const contract = {
  'tenants/list': { input: empty, result: returns<TenantListItem[]>() },
  'tenants/create': {
    input: z
      .object({
        name: z.string().max(200),
        schema: z.string().max(200),
        domains: z.array(z.string().max(300)).max(50).optional(),
        type: z.string().max(40).optional(),
      })
      .strict(),
    result: returns<TenantInfo>(),
  },
  'tenants/drop': {
    // The typed confirmation must repeat the schema name: a stale click cannot drop the wrong tenant.
    input: z.object({ schema: schemaName, confirm: z.string().max(200) }).strict(),
    result: returns<{ dropped: string }>(),
  },
  'tenants/set-status': {
    input: z.object({ schema: schemaName, status: z.enum(['active', 'suspended']) }).strict(),
    result: returns<TenantInfo>(),
  },
  'tenants/set-domains': {
    input: z.object({ schema: schemaName, domains: z.array(z.string().max(300)).max(50) }).strict(),
    result: returns<TenantInfo>(),
  },
  /** Changes a tenant's type: migrations the new type lacks are reverted, the ones it adds applied, in one transaction. */
  'tenants/set-type': {
    input: z.object({ schema: schemaName, type: z.string().min(1).max(40) }).strict(),
    result: returns<TenantInfo>(),
  },
  'tenants/switch': { input: z.object({ schema: schemaName }).strict(), result: returns<ActiveTenant>() },

  // Lifecycle (issue 14). Files are paths on the machine running main: chosen with a native dialog in
  // Electron; the browser console downloads and uploads through /transfer/* instead.
  'tenants/clone': {
    input: z
      .object({
        from: schemaName,
        schema: z.string().max(200),
        name: z.string().max(200).optional(),
        domains: z.array(z.string().max(300)).max(50).optional(),
        data: z.boolean().optional(),
      })
      .strict(),
    result: returns<TenantWithRows>(),
  },
  'tenants/rename': { input: z.object({ schema: schemaName, to: z.string().max(200) }).strict(), result: returns<TenantInfo>() },
  'tenants/export': { input: z.object({ schema: schemaName, path: filePath }).strict(), result: returns<ExportSummary>() },
  'tenants/import': {
    input: z
      .object({
        path: filePath,
        schema: z.string().max(200).optional(),
        name: z.string().max(200).optional(),
        domains: z.array(z.string().max(300)).max(50).optional(),
        asSibling: z.boolean().optional(),
      })
      .strict(),
    result: returns<TenantWithRows>(),
  },
  'tenants/swap': { input: z.object({ schema: schemaName, with: schemaName }).strict(), result: returns<{ schema: string; with: string }>() },
  'tenants/archive': { input: z.object({ schema: schemaName }).strict(), result: returns<ArchiveSummary>() },
  'tenants/unarchive': { input: z.object({ schema: schemaName }).strict(), result: returns<TenantInfo>() },
  'tenants/move': {
    input: z.object({ schema: schemaName, to: z.string().min(1).max(2000), dropSource: z.boolean().optional() }).strict(),
    result: returns<MoveSummary>(),
  },
  'tenants/pool': { input: empty, result: returns<PoolInfo>() },
  'tenants/active': { input: empty, result: returns<ActiveTenant>() },

  'migrations/status': { input: empty, result: returns<MigrationGrid>() },
  'migrations/run': {
    input: z
      .object({
        scope: z.enum(['all', 'shared', 'tenant']).optional(),
        schema: schemaName.optional(),
        concurrency: z.number().int().min(1).max(64).optional(),
      })
      .strict(),
    result: returns<MigrationReport>(),
  },
  // Staged runs (issue 15): recorded in the database, whoever started them (CLI or console).
  'migrations/runs/list': { input: z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(), result: returns<RunSummary[]>() },
  'migrations/runs/get': { input: z.object({ id: runId }).strict(), result: returns<RunDetail>() },
  /** Continues a halted, incomplete or interrupted run in the main process, streaming `migrations/progress`. */
  'migrations/runs/resume': {
    input: z.object({ id: runId, maxFailures: z.number().int().min(1).max(1_000_000).optional(), concurrency: z.number().int().min(1).max(64).optional() }).strict(),
    result: returns<RunDetail>(),
  },
  /** Asks a running run (of any process) to halt before its next tenant starts. */
  'migrations/runs/halt': { input: z.object({ id: runId }).strict(), result: returns<RunSummary>() },

  'data/customers/list': { input: inTenant({ search: z.string().max(200).optional() }), result: returns<CustomerDto[]>() },
  'data/customers/create': {
    input: inTenant(customerFields),
    result: returns<CustomerDto>(),
  },
  'data/customers/update': {
    input: inTenant({ id, name: customerName.optional(), email: email.optional() }),
    result: returns<CustomerDto>(),
  },
  'data/customers/delete': { input: inTenant({ id }), result: returns<{ deleted: number }>() },
  'data/orders/list': { input: inTenant({}), result: returns<OrderDto[]>() },
  'data/orders/create': {
    input: inTenant({
      customerId: id,
      amountCents,
      status: orderStatus.optional(),
    }),
    result: returns<OrderDto>(),
  },
  'data/orders/update': {
    input: inTenant({
      id,
      amountCents: amountCents.optional(),
      status: orderStatus.optional(),
    }),
    result: returns<OrderDto>(),
  },
  'data/orders/delete': { input: inTenant({ id }), result: returns<{ deleted: number }>() },

  // The data browser: any table of the tenant named in the input, and the project's shared readable tables.
  'data/tables': { input: dataBrowserInputs.tables, result: returns<TableList>() },
  'data/rows': { input: dataBrowserInputs.rows, result: returns<RowPage>() },
  'data/insert': { input: dataBrowserInputs.insert, result: returns<WrittenRow>() },
  'data/update': { input: dataBrowserInputs.update, result: returns<WrittenRow>() },
  'data/delete': { input: dataBrowserInputs.delete, result: returns<{ deleted: number }>() },
  'data/export': { input: dataBrowserInputs.export, result: returns<ExportResult>() },
  'data/allow-edits': { input: dataBrowserInputs.allowEdits, result: returns<{ tenant: string; editsAllowed: boolean }>() },

  // The SQL console (issue 13): typed SQL in a session that is the tenant; fan-out over many tenants.
  'sql/run': { input: sqlConsoleInputs.run, result: returns<SqlRunResult>() },
  'sql/more': { input: sqlConsoleInputs.more, result: returns<SqlPage>() },
  'sql/close': { input: sqlConsoleInputs.close, result: returns<{ closed: boolean }>() },
  'sql/cancel': { input: sqlConsoleInputs.cancel, result: returns<{ cancelled: boolean }>() },
  'sql/catalog': { input: sqlConsoleInputs.catalog, result: returns<SqlCatalog>() },
  'sql/targets': { input: sqlConsoleInputs.targets, result: returns<FanOutTargetList>() },
  'sql/fan-out': { input: sqlConsoleInputs.fanOut, result: returns<FanOutSummary>() },

  'inspect/schemas': { input: empty, result: returns<SchemaInfo[]>() },
  'inspect/session': { input: inTenant({}), result: returns<SessionInfo>() },
  'inspect/probe-cross-tenant': { input: inTenant({ target: schemaName }), result: returns<ProbeResult>() },

  'routing/resolve': {
    input: z.object({ host: z.string().max(300).optional(), header: z.string().max(300).optional() }).strict(),
    result: returns<Resolution>(),
  },
  'db/status': { input: empty, result: returns<DbStatus>() },
  'project/current': { input: empty, result: returns<ProjectInfo>() },
  // The built-in demo's tenants and sample rows, as `schemata demo` makes them (a console with no tenants offers it); harmless twice.
  'demo/load': { input: empty, result: returns<{ created: string[]; existing: string[] }>() },

  // What each tenant costs (pg_stat_statements by tenant role, sizes, live sessions).
  'activity/overview': {
    input: z
      .object({
        rankBy: z.enum(['time', 'calls', 'size']).optional(),
        windowSeconds: z.number().int().min(10).max(600).optional(),
        noisyShare: z.number().min(0.05).max(1).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    result: returns<ActivityOverview>(),
  },
  'activity/tenant': {
    input: z.object({ schema: schemaName, limit: z.number().int().min(1).max(100).optional() }).strict(),
    result: returns<TenantActivityDetail>(),
  },

  // The Requests panel: a real HTTP request to the local server with a typed Host and headers.
  'requests/send': {
    input: z
      .object({
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']),
        host: z
          .string()
          .min(1, 'must not be empty')
          .max(300, 'must be at most 300 characters')
          .regex(/^[A-Za-z0-9.:[\]_-]+$/, 'must be a host name, optionally with :port'),
        path: z
          .string()
          .max(2048, 'must be at most 2048 characters')
          .regex(/^\/[\x21-\x7e]*$/, 'must start with "/" and contain no spaces or control characters'),
        headers: z
          .record(
            z.string().max(100).regex(HEADER_NAME, 'is not a valid header name'),
            z.string().max(4096, 'must be at most 4096 characters').regex(PRINTABLE, 'must be printable text'),
          )
          .optional(),
        body: z.string().max(64 * 1024, 'must be at most 64 KiB').optional(),
      })
      .strict(),
    result: returns<TenantApiResponse>(),
  },
  'requests/log': {
    input: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
    result: returns<ApiRequestLogEntry[]>(),
  },
} as const

export type Contract = typeof contract
export type CallName = keyof Contract
export type CallInput<N extends CallName> = z.input<Contract[N]['input']>
export type CallResult<N extends CallName> = Contract[N]['result']
export const CALL_NAMES = Object.keys(contract) as CallName[]
/** The calls that run in the window's active tenant: their input names it (`tenant`). */
export type TenantCallName = { [N in CallName]: CallInput<N> extends { tenant: string } ? N : never }[CallName]

/** Whether `name` is a call that runs in the window's active tenant (its input has `tenant`). */
export function isTenantCall(name: CallName): name is TenantCallName {
  const input: z.ZodType = contract[name].input
  return input instanceof z.ZodObject && 'tenant' in input.shape
}

/** Events pushed from main to a window (or browser session). */
export interface ContractEvents {
  'migrations/progress': MigrationEvent
  'tenants/changed': { reason: string }
  /** A long tenant operation (export, import, clone, archive, move) of this window, as it goes. */
  'tenants/progress': TenantProgressEvent
  'db/status': DbStatus
  /** A tenant API request the local server answered (for the Requests panel's live log). */
  'requests/logged': ApiRequestLogEntry
  /** A fan-out of this window, as tenants finish (batched). */
  'sql/fan-out': FanOutEvent
}
export type EventName = keyof ContractEvents

/** The client every UI talks to: the same interface over Electron IPC or HTTP/WebSocket. */
export interface SchemataClient {
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResult<N>>
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: ContractEvents[E]) => void): () => void
}

/** The error a client throws when a call fails: the envelope rebuilt on this side. */
export class ContractError extends Error {
  readonly code: import('./types.ts').ErrorCode
  readonly field: string | undefined

  constructor(envelope: import('./types.ts').ErrorEnvelope) {
    super(envelope.message)
    this.name = 'ContractError'
    this.code = envelope.code
    this.field = envelope.field
  }
}

/** Whether `name` is a call of the contract (for transports receiving untrusted names). */
export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name)
}
