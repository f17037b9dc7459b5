import pg from 'pg'
import { sendCancelRequest } from '../db/cancel-request.ts'
import type { Database } from '../db/database.ts'
import { pgErrorOf } from '../db/pg-error.ts'
import {
  InvalidInputError,
  SchemataError,
  StatementCancelledError,
  StatementTimeoutError,
  TenantNotFoundError,
  TenantSqlError,
  TenantSuspendedError,
} from '../errors.ts'
import { assertSchemaName } from './schema-name.ts'
import { SessionCredentials } from './session-credentials.ts'

/*
 * Tenant sessions: where SQL text that the app did not write runs (the SQL
 * console, fan-out queries). `withTenant` on the shared pool scopes app code
 * with SET LOCAL ROLE, which code in the same session could undo with RESET
 * ROLE; here there is nothing to undo. The connection is logged in as the
 * tenant's own role (a short-lived password, see SessionCredentials), so its
 * session user *is* the tenant: RESET ROLE, SET ROLE, SET SESSION
 * AUTHORIZATION and set_config('role', …) can only lead back to the tenant,
 * and everything the tenant role may not do — read public.tenants or another
 * tenant's schema, create temporary objects, COPY … PROGRAM, pg_read_file —
 * PostgreSQL refuses. These connections are a separate small pool; the app's
 * own pool never sees them.
 *
 * Each statement runs alone, in a transaction of ours:
 *   BEGIN READ ONLY (or READ WRITE); SET LOCAL statement_timeout; SELECT  -- one message
 *   <the statement>   (extended protocol: exactly one statement, never a script)
 *   ROLLBACK (read-only) or COMMIT
 *   DISCARD ALL       (nothing the statement did to the session — SET, PREPARE,
 *                      LISTEN, advisory locks, cursors — reaches the next one)
 * The SELECT in the first message takes the transaction's snapshot, after which
 * PostgreSQL refuses `SET TRANSACTION READ WRITE`; the session's start-up
 * defaults (default_transaction_read_only, statement_timeout, search_path) are
 * what DISCARD ALL returns to.
 */

/** Options of a tenant-session pool. */
export interface TenantSessionsOptions {
  /** Connections open at once, all tenants together (default 4). A caller beyond that waits. */
  maxConnections?: number
  /** Lifetime of a tenant role's password (default 10 minutes); renewed while in use. */
  credentialTtlMs?: number
  /** An unused connection is closed after this long (default 60 s). */
  idleMs?: number
  /** Connect timeout (default 10 s). */
  connectTimeoutMs?: number
}

/** Options of one statement. */
export interface TenantStatementOptions {
  /** Bind parameters ($1, $2, …). */
  params?: readonly unknown[]
  /** Default true: BEGIN READ ONLY, and PostgreSQL refuses any write (25006). */
  readOnly?: boolean
  /** statement_timeout for this statement (default 30 s, at most 1 h). */
  timeoutMs?: number
  /** Aborting cancels the statement in PostgreSQL (a CancelRequest), not only here. */
  signal?: AbortSignal
}

/** What one statement returned. Values are PostgreSQL's text output (null for NULL), so nothing is lost in parsing. */
export interface TenantStatementResult {
  schema: string
  /** The command tag's verb: SELECT, INSERT, … */
  command: string
  rowCount: number | null
  fields: { name: string; dataTypeId: number }[]
  rows: (string | null)[][]
  /** Time from sending the statement to its answer. */
  ms: number
}

/** One tenant's outcome in a fan-out: a result, or the error that tenant got. */
export type TenantFanOutOutcome =
  | { schema: string; ok: true; result: TenantStatementResult }
  | { schema: string; ok: false; error: SchemataError }

const DEFAULT_TIMEOUT_MS = 30_000
const MAX_TIMEOUT_MS = 3_600_000
/** How long after statement_timeout we stop trusting the server to honour it (the statement may have changed it). */
const DEADLINE_GRACE_MS = 2_000
/** How long a cancelled statement gets to stop before its connection is closed under it. */
const KILL_GRACE_MS = 3_000
const SQL_MAX_LENGTH = 1_000_000

interface TenantRow {
  schema: string
  role: string
}

/** What node-postgres keeps of a connection that @types/pg does not declare: the key a CancelRequest needs, and the socket. */
type SessionClient = pg.Client & {
  processID: number
  secretKey: number
  connection: { stream: { destroy(): void } }
}

interface Slot {
  tenant: TenantRow
  client: SessionClient
  busy: boolean
  broken: boolean
  discarded: boolean
  lastUsed: number
}

/** Every value as PostgreSQL's text: no lossy bigint/numeric/date parsing in a tool that shows data as it is. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig

/**
 * A small pool of connections, each logged in as one tenant, for running SQL
 * text as that tenant. See the comment at the top of this file for what it
 * guarantees; `run` for one tenant, `runEach` to fan one statement out over
 * many tenants with bounded connections.
 */
export class TenantSessions {
  private readonly slots = new Set<Slot>()
  private opening = 0
  private readonly waiters: (() => void)[] = []
  private readonly credentials: SessionCredentials
  private readonly maxConnections: number
  private readonly idleMs: number
  private readonly connectTimeoutMs: number
  private readonly sweeper: NodeJS.Timeout
  private closed = false

  constructor(
    private readonly db: Database,
    options: TenantSessionsOptions = {},
  ) {
    this.maxConnections = Math.max(1, options.maxConnections ?? 4)
    this.idleMs = options.idleMs ?? 60_000
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.credentials = new SessionCredentials(db, options.credentialTtlMs ?? 600_000)
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(this.idleMs, 10_000))
    this.sweeper.unref()
  }

  /** Runs one statement as the tenant `schema`. */
  async run(schema: string, sql: string, options: TenantStatementOptions = {}): Promise<TenantStatementResult> {
    assertSchemaName(schema, 'schema')
    const tenant = (await this.lookUp([schema])).get(schema)
    if (tenant instanceof SchemataError) throw tenant
    return this.runAs(tenant as TenantRow, sql, options)
  }

  /**
   * Runs one statement as each tenant, at most `concurrency` (default: the pool
   * size) at a time; one tenant's failure does not stop the others. Outcomes
   * come back in the order of `schemas`, and to `onOutcome` as they arrive.
   */
  async runEach(
    schemas: readonly string[],
    sql: string,
    options: TenantStatementOptions & { concurrency?: number; onOutcome?: (outcome: TenantFanOutOutcome) => void } = {},
  ): Promise<TenantFanOutOutcome[]> {
    schemas.forEach((schema, i) => assertSchemaName(schema, `schemas[${i}]`))
    const tenants = await this.lookUp(schemas)
    const outcomes = new Array<TenantFanOutOutcome>(schemas.length)
    let next = 0
    const worker = async (): Promise<void> => {
      for (let i = next++; i < schemas.length; i = next++) {
        const schema = schemas[i] as string
        const tenant = tenants.get(schema)
        let outcome: TenantFanOutOutcome
        if (tenant instanceof SchemataError || tenant === undefined) {
          outcome = { schema, ok: false, error: tenant ?? new TenantNotFoundError(schema) }
        } else {
          try {
            outcome = { schema, ok: true, result: await this.runAs(tenant, sql, options) }
          } catch (error) {
            outcome = { schema, ok: false, error: error instanceof SchemataError ? error : new TenantSqlError(schema, error) }
          }
        }
        outcomes[i] = outcome
        options.onOutcome?.(outcome)
      }
    }
    const workers = Math.max(1, Math.min(options.concurrency ?? this.maxConnections, this.maxConnections, schemas.length))
    await Promise.all(Array.from({ length: workers }, worker))
    return outcomes
  }

  /** Connections open now (busy or idle), for tests and status displays. */
  get size(): number {
    return this.slots.size
  }

  /** Closes every connection and takes back every tenant password this pool issued. */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.sweeper)
    for (const wake of this.waiters.splice(0)) wake()
    await Promise.all([...this.slots].map((slot) => this.discard(slot)))
    await this.credentials.close()
  }

  private async lookUp(schemas: readonly string[]): Promise<Map<string, TenantRow | SchemataError>> {
    // Every run asks the registry: a tenant suspended or dropped a moment ago is refused, idle connection or not.
    const rows = await this.db.rows<{ schema: string; role: string; status: string }>(
      'SELECT schema, role, status FROM public.tenants WHERE schema = ANY($1::text[])',
      [schemas],
    )
    const found = new Map<string, TenantRow | SchemataError>()
    for (const row of rows) {
      found.set(row.schema, row.status === 'active' ? { schema: row.schema, role: row.role } : new TenantSuspendedError(row.schema))
    }
    for (const schema of schemas) if (!found.has(schema)) found.set(schema, new TenantNotFoundError(schema))
    return found
  }

  private async runAs(tenant: TenantRow, sql: string, options: TenantStatementOptions): Promise<TenantStatementResult> {
    if (typeof sql !== 'string' || sql.trim() === '') throw new InvalidInputError('sql', 'must not be empty')
    if (sql.length > SQL_MAX_LENGTH) throw new InvalidInputError('sql', `must be at most ${SQL_MAX_LENGTH} characters`)
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
      throw new InvalidInputError('timeoutMs', `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`)
    }
    const { signal } = options
    if (signal?.aborted) throw new StatementCancelledError(tenant.schema)
    const slot = await this.acquire(tenant, signal)
    let healthy = false
    try {
      const result = await this.execute(slot, sql, { ...options, timeoutMs })
      healthy = true
      return result
    } catch (error) {
      // A statement that failed in PostgreSQL leaves a usable connection; anything else does not.
      healthy = !slot.broken && pgErrorOf(error) !== undefined
      throw error
    } finally {
      if (healthy) await this.reset(slot).catch(() => (slot.broken = true))
      this.release(slot)
    }
  }

  private async execute(
    slot: Slot,
    sql: string,
    options: TenantStatementOptions & { timeoutMs: number },
  ): Promise<TenantStatementResult> {
    const { client, tenant } = slot
    const readOnly = options.readOnly ?? true
    // The integer is ours (checked above); the SELECT takes the snapshot that locks the transaction's mode.
    await client.query(`BEGIN ${readOnly ? 'READ ONLY' : 'READ WRITE'}; SET LOCAL statement_timeout = ${options.timeoutMs}; SELECT`)
    let stoppedBy: 'user' | 'deadline' | undefined
    const cancel = (): void => {
      void sendCancelRequest(this.target(), client.processID, client.secretKey).catch(() => undefined)
      // If the server does not stop it (the statement raised its own timeout, or the server hangs), the connection goes.
      const kill = setTimeout(() => {
        slot.broken = true
        client.connection.stream.destroy()
      }, KILL_GRACE_MS)
      kill.unref()
      timers.push(kill)
    }
    const timers: NodeJS.Timeout[] = []
    const onAbort = (): void => {
      stoppedBy ??= 'user'
      cancel()
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const deadline = setTimeout(() => {
      stoppedBy ??= 'deadline'
      cancel()
    }, options.timeoutMs + DEADLINE_GRACE_MS)
    deadline.unref()
    const started = performance.now()
    try {
      const config = {
        text: sql,
        values: [...(options.params ?? [])],
        // Extended protocol: PostgreSQL takes exactly one statement, so a script cannot COMMIT our transaction and carry on.
        queryMode: 'extended',
        rowMode: 'array',
        types: TEXT_TYPES,
      } as pg.QueryArrayConfig
      const result = await client.query(config)
      const ms = Math.round((performance.now() - started) * 100) / 100
      await client.query(readOnly ? 'ROLLBACK' : 'COMMIT')
      return {
        schema: tenant.schema,
        command: result.command ?? '',
        rowCount: result.rowCount,
        fields: result.fields.map((field) => ({ name: field.name, dataTypeId: field.dataTypeID })),
        rows: result.rows as (string | null)[][],
        ms,
      }
    } catch (error) {
      if (!slot.broken) await client.query('ROLLBACK').catch(() => (slot.broken = true))
      const pgError = pgErrorOf(error)
      if (pgError?.code === '57014') {
        if (stoppedBy === 'user') throw new StatementCancelledError(tenant.schema, { cause: error })
        throw new StatementTimeoutError(tenant.schema, options.timeoutMs, { cause: error })
      }
      if (stoppedBy === 'user') throw new StatementCancelledError(tenant.schema, { cause: error })
      if (stoppedBy === 'deadline') throw new StatementTimeoutError(tenant.schema, options.timeoutMs, { cause: error })
      throw new TenantSqlError(tenant.schema, error)
    } finally {
      clearTimeout(deadline)
      for (const timer of timers) clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Whatever the statement did to the session goes: settings, prepared statements, LISTEN, locks, cursors. */
  private async reset(slot: Slot): Promise<void> {
    await slot.client.query('DISCARD ALL')
  }

  private target(): { host: string; port: number } {
    const url = new URL(this.db.directUrl)
    return { host: url.hostname, port: Number(url.port || 5432) }
  }

  private async acquire(tenant: TenantRow, signal: AbortSignal | undefined): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new SchemataError('DATABASE_UNAVAILABLE', 'the tenant session pool is closed')
      if (signal?.aborted) throw new StatementCancelledError(tenant.schema)
      for (const slot of this.slots) {
        if (!slot.busy && !slot.broken && slot.tenant.schema === tenant.schema && slot.tenant.role === tenant.role) {
          slot.busy = true
          return slot
        }
      }
      if (this.slots.size + this.opening >= this.maxConnections) {
        // Full: make room by closing the connection idle the longest (another tenant's).
        let oldest: Slot | undefined
        for (const slot of this.slots) if (!slot.busy && (oldest === undefined || slot.lastUsed < oldest.lastUsed)) oldest = slot
        if (oldest !== undefined) void this.discard(oldest)
      }
      if (this.slots.size + this.opening < this.maxConnections) {
        this.opening++
        try {
          const slot = await this.open(tenant)
          this.slots.add(slot)
          return slot
        } finally {
          this.opening--
        }
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake)
          resolve()
        }
        this.waiters.push(wake)
        signal?.addEventListener('abort', wake, { once: true })
      })
    }
  }

  private release(slot: Slot): void {
    slot.busy = false
    slot.lastUsed = performance.now()
    if (slot.broken || this.closed) void this.discard(slot)
    else this.waiters.shift()?.()
  }

  private async open(tenant: TenantRow): Promise<Slot> {
    for (let attempt = 1; ; attempt++) {
      const password = await this.credentials.acquire(tenant.role)
      const url = new URL(this.db.directUrl)
      url.username = encodeURIComponent(tenant.role)
      url.password = encodeURIComponent(password)
      // Start-up settings are what RESET ALL and DISCARD ALL return to, so no statement can unset them for the next one.
      url.searchParams.set(
        'options',
        [
          `-c search_path=${tenant.schema},public,pg_temp`,
          '-c default_transaction_read_only=on',
          `-c statement_timeout=${DEFAULT_TIMEOUT_MS}`,
          `-c idle_in_transaction_session_timeout=${DEFAULT_TIMEOUT_MS}`,
        ].join(' '),
      )
      url.searchParams.set('application_name', 'schemata tenant session')
      const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: this.connectTimeoutMs }) as SessionClient
      const slot: Slot = { tenant, client, busy: true, broken: false, discarded: false, lastUsed: performance.now() }
      client.on('error', () => {
        slot.broken = true
      })
      try {
        await client.connect()
        return slot
      } catch (error) {
        this.credentials.release(tenant.role)
        await client.end().catch(() => undefined)
        const code = pgErrorOf(error)?.code
        // 28P01 wrong password / 28000 cannot log in: another process replaced or revoked the credential meanwhile.
        if ((code === '28P01' || code === '28000') && attempt < 3) {
          this.credentials.forget(tenant.role)
          continue
        }
        throw new SchemataError('DATABASE_UNAVAILABLE', `could not open a session as tenant "${tenant.schema}": ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        })
      }
    }
  }

  private async discard(slot: Slot): Promise<void> {
    if (slot.discarded) return
    slot.discarded = true
    this.slots.delete(slot)
    await slot.client.end().catch(() => undefined)
    this.credentials.release(slot.tenant.role)
    this.waiters.shift()?.()
  }

  private closeIdle(): void {
    const cutoff = performance.now() - this.idleMs
    for (const slot of this.slots) if (!slot.busy && slot.lastUsed < cutoff) void this.discard(slot)
  }
}
