import pg from 'pg'
import { sendCancelRequest } from '../db/cancel-request.ts'
import type { Database } from '../db/database.ts'
import { pgErrorOf } from '../db/pg-error.ts'
import { type PortalField, type PortalPage, commandOf, fetchPortal, openPortal, rowCountOf } from '../db/portal-statement.ts'
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
 * Each statement runs alone, in a transaction of ours, its first page in one
 * round trip (db/portal-statement.ts):
 *   BEGIN READ ONLY (or READ WRITE); SET LOCAL statement_timeout; SELECT;
 *   <the statement> into a portal, Execute(row limit)       -- one message train
 *   [Execute(row limit) for further pages, while the portal holds more]
 *   ROLLBACK (read-only) or COMMIT
 *   DISCARD ALL       (nothing the statement did to the session — SET, PREPARE,
 *                      LISTEN, advisory locks, cursors — reaches the next one)
 * The statement is parsed alone (extended protocol: exactly one statement,
 * never a script). The SELECT before it takes the transaction's snapshot, after
 * which PostgreSQL refuses `SET TRANSACTION READ WRITE`; the session's start-up
 * defaults (default_transaction_read_only, statement_timeout, search_path) are
 * what DISCARD ALL returns to. A read-only statement's answer is returned as
 * soon as it arrives; its ROLLBACK and DISCARD ALL follow before the
 * connection serves anyone else.
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

/** A result column: its name, type oid and type modifier (for `format_type`). */
export type TenantField = PortalField

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
  /** Read at most this many rows; the rest are left unread and `more` says there were some (default: all). */
  maxRows?: number
  /**
   * Receive the rows a page at a time instead of in the result (whose `rows`
   * stays empty): any result in bounded memory. The next page is fetched once
   * the returned promise settles.
   */
  onRows?: (rows: (string | null)[][], fields: readonly TenantField[]) => void | Promise<void>
  /** Rows per page when streaming with `onRows` (default 1000). */
  pageRows?: number
}

/** What one statement returned. Values are PostgreSQL's text output (null for NULL), so nothing is lost in parsing. */
export interface TenantStatementResult {
  schema: string
  /** The command tag's verb: SELECT, INSERT, … */
  command: string
  /** Rows the statement returned or changed, as its command tag says; null when it was not read to the end. */
  rowCount: number | null
  fields: TenantField[]
  rows: (string | null)[][]
  /** The statement had more rows than were read (`maxRows`). */
  more: boolean
  /** Time from sending the statement to its answer. */
  ms: number
}

/** One tenant's outcome in a fan-out: a result, or the error that tenant got. */
export type TenantFanOutOutcome =
  | { schema: string; ok: true; result: TenantStatementResult }
  | { schema: string; ok: false; error: SchemataError; /** Time until it failed (0 when it never ran). */ ms: number }

/** Options of a fan-out: those of each statement, plus how many at once and where each tenant's outcome goes. */
export interface TenantFanOutOptions extends Omit<TenantStatementOptions, 'onRows'> {
  /** Tenants at once (default and at most: the pool's size). */
  concurrency?: number
  /** Each tenant's outcome as it arrives; a returned promise holds that worker back until it settles (backpressure). */
  onOutcome?: (outcome: TenantFanOutOutcome) => unknown
  /** Each tenant's rows a page at a time, before its outcome (see TenantStatementOptions.onRows). */
  onRows?: (schema: string, rows: (string | null)[][], fields: readonly TenantField[]) => void | Promise<void>
}

/** Counts of a finished fan-out. */
export interface TenantFanOutSummary {
  ok: number
  failed: number
  /** Tenants not started because the fan-out was aborted. */
  skipped: number
}

/**
 * A read-only result kept open so its further rows can be read later (the
 * console's "load more"). It holds one connection of the pool, and its
 * transaction, until `close` — or until it has been idle for its hold time.
 */
export interface HeldResult {
  readonly first: TenantStatementResult
  /** Rows remain to be read, and the result still holds them. */
  readonly open: boolean
  /** The next at most `maxRows` rows. */
  next(maxRows: number, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<TenantStatementResult>
  close(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 30_000
const MAX_TIMEOUT_MS = 3_600_000
/** How long after statement_timeout we stop trusting the server to honour it (the statement may have changed it). */
const DEADLINE_GRACE_MS = 2_000
/** How long a cancelled statement gets to stop before its connection is closed under it. */
const KILL_GRACE_MS = 3_000
const SQL_MAX_LENGTH = 1_000_000
const DEFAULT_PAGE_ROWS = 1000

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

/** A statement in progress on a slot: how it was stopped, if it was, and the timers that stop it. */
interface Watch {
  stoppedBy: 'user' | 'deadline' | undefined
  dispose(): void
}

function checkTimeout(timeoutMs: number): void {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new InvalidInputError('timeoutMs', `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`)
  }
}

function checkSql(sql: string): void {
  if (typeof sql !== 'string' || sql.trim() === '') throw new InvalidInputError('sql', 'must not be empty')
  if (sql.length > SQL_MAX_LENGTH) throw new InvalidInputError('sql', `must be at most ${SQL_MAX_LENGTH} characters`)
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100
}

/**
 * A statement's row count. A SELECT's command tag counts only the rows of the
 * last page fetched from its portal, so the rows read are the count; a
 * write's tag counts every row it changed.
 */
function countOf(command: string, commandTag: string | undefined, read: number): number | null {
  return command === 'SELECT' || command === 'FETCH' ? read : rowCountOf(commandTag)
}

/** A held result whose statement had nothing more to give. */
function closedResult(first: TenantStatementResult): HeldResult {
  return {
    first,
    open: false,
    next: () => Promise.reject(new SchemataError('NOT_FOUND', `${first.schema}: this result has no more rows`)),
    close: () => Promise.resolve(),
  }
}

/**
 * A small pool of connections, each logged in as one tenant, for running SQL
 * text as that tenant. See the comment at the top of this file for what it
 * guarantees; `run` for one tenant, `hold` for a result read a page at a time,
 * `fanOut` / `runEach` to run one statement in many tenants with bounded
 * connections.
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
  private readonly finishing = new Set<Promise<void>>()
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

  /** Connections open at once, all tenants together. */
  get capacity(): number {
    return this.maxConnections
  }

  /** Runs one statement as the tenant `schema`. */
  async run(schema: string, sql: string, options: TenantStatementOptions = {}): Promise<TenantStatementResult> {
    const tenant = await this.lookUpOne(schema)
    return this.runAs(tenant, sql, options, true)
  }

  /**
   * Runs a read-only statement as the tenant and returns its first `maxRows`
   * rows; when it has more, they stay in PostgreSQL for `next` (one connection
   * and its transaction held) until `close`, or until nobody has asked for
   * `holdMs` (default 5 minutes).
   */
  async hold(schema: string, sql: string, options: Omit<TenantStatementOptions, 'readOnly' | 'onRows'> & { maxRows: number; holdMs?: number }): Promise<HeldResult> {
    const tenant = await this.lookUpOne(schema)
    checkSql(sql)
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    checkTimeout(timeoutMs)
    const holdMs = options.holdMs ?? 300_000
    const slot = await this.acquire(tenant, options.signal)
    let first: TenantStatementResult
    let carry: (string | null)[] | null
    try {
      // The server gives up on the held transaction a little after we would have closed it.
      ;({ result: first, carry } = await this.execute(slot, sql, { ...options, readOnly: true, timeoutMs }, { idleMs: holdMs + 10_000 }, true))
    } catch (error) {
      this.finish(slot, pgErrorOf(error) !== undefined, 'ROLLBACK')
      throw error
    }
    if (!first.more) {
      this.finish(slot, true, 'ROLLBACK')
      return closedResult(first)
    }
    return this.keep(slot, first, carry, holdMs, timeoutMs)
  }

  /**
   * Runs one statement as each tenant, at most `concurrency` (default: the
   * pool size) at a time; one tenant's failure does not stop the others.
   * Outcomes go to `onOutcome` as they arrive and nothing is kept, so any
   * number of tenants runs in bounded memory. Aborting `signal` cancels the
   * running statements and starts no more.
   */
  async fanOut(schemas: readonly string[], sql: string, options: TenantFanOutOptions = {}): Promise<TenantFanOutSummary> {
    schemas.forEach((schema, i) => assertSchemaName(schema, `schemas[${i}]`))
    checkSql(sql)
    checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    const tenants = await this.lookUp(schemas)
    // More tenants than connections: no connection would serve its tenant twice, so each is closed after its statement.
    const keep = schemas.length <= this.maxConnections
    const summary: TenantFanOutSummary = { ok: 0, failed: 0, skipped: 0 }
    const { onRows, onOutcome, concurrency, ...statement } = options
    const workers = Math.max(1, Math.min(concurrency ?? this.maxConnections, this.maxConnections, schemas.length))
    const credentials = this.prefetchCredentials(schemas, tenants, Math.max(16, workers * 4))
    let next = 0
    const worker = async (): Promise<void> => {
      for (let i = next++; i < schemas.length; i = next++) {
        credentials.reach(i)
        if (options.signal?.aborted) {
          summary.skipped++
          credentials.done(i)
          continue
        }
        const schema = schemas[i] as string
        const tenant = tenants.get(schema)
        let outcome: TenantFanOutOutcome
        if (tenant instanceof SchemataError || tenant === undefined) {
          outcome = { schema, ok: false, error: tenant ?? new TenantNotFoundError(schema), ms: 0 }
        } else {
          const started = performance.now()
          try {
            const perTenant: TenantStatementOptions = onRows ? { ...statement, onRows: (rows, fields) => onRows(schema, rows, fields) } : statement
            outcome = { schema, ok: true, result: await this.runAs(tenant, sql, perTenant, keep) }
          } catch (error) {
            outcome = { schema, ok: false, error: error instanceof SchemataError ? error : new TenantSqlError(schema, error), ms: elapsed(started) }
          }
        }
        credentials.done(i)
        if (outcome.ok) summary.ok++
        else summary.failed++
        const back = onOutcome?.(outcome)
        if (back instanceof Promise) await back
      }
    }
    try {
      await Promise.all(Array.from({ length: workers }, worker))
    } finally {
      credentials.releaseAll()
    }
    return summary
  }

  /**
   * Issues the credentials of the tenants a fan-out is about to reach, a chunk
   * at a time, so their role statements leave in one message instead of one
   * per tenant; each is held until that tenant is done.
   */
  private prefetchCredentials(schemas: readonly string[], tenants: Map<string, TenantRow | SchemataError>, chunk: number) {
    const held = new Map<number, string>()
    let requested = 0
    return {
      reach: (index: number): void => {
        if (requested - index > chunk / 2) return
        const until = Math.min(schemas.length, index + chunk)
        for (; requested < until; requested++) {
          const tenant = tenants.get(schemas[requested] as string)
          if (tenant === undefined || tenant instanceof SchemataError) continue
          const at = requested
          held.set(at, tenant.role)
          // A failure here is met again, and reported, when that tenant's session opens.
          this.credentials.acquire(tenant.role).catch(() => held.delete(at))
        }
      },
      done: (index: number): void => {
        const role = held.get(index)
        if (role === undefined) return
        held.delete(index)
        this.credentials.release(role)
      },
      releaseAll: (): void => {
        for (const role of held.values()) this.credentials.release(role)
        held.clear()
      },
    }
  }

  /**
   * `fanOut`, with every outcome also returned in the order of `schemas` (rows
   * included): for a handful of tenants, where holding them all is fine.
   */
  async runEach(
    schemas: readonly string[],
    sql: string,
    options: Omit<TenantFanOutOptions, 'onRows'> = {},
  ): Promise<TenantFanOutOutcome[]> {
    const outcomes = new Array<TenantFanOutOutcome>(schemas.length)
    const position = new Map<string, number[]>()
    schemas.forEach((schema, i) => position.set(schema, [...(position.get(schema) ?? []), i]))
    await this.fanOut(schemas, sql, {
      ...options,
      onOutcome: (outcome) => {
        const i = position.get(outcome.schema)?.shift()
        if (i !== undefined) outcomes[i] = outcome
        return options.onOutcome?.(outcome)
      },
    })
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
    await Promise.allSettled([...this.finishing])
    await Promise.all([...this.slots].map((slot) => this.discard(slot)))
    await this.credentials.close()
  }

  private async lookUpOne(schema: string): Promise<TenantRow> {
    assertSchemaName(schema, 'schema')
    const tenant = (await this.lookUp([schema])).get(schema)
    if (tenant instanceof SchemataError) throw tenant
    return tenant as TenantRow
  }

  private async lookUp(schemas: readonly string[]): Promise<Map<string, TenantRow | SchemataError>> {
    // Every run asks the registry: a tenant suspended or dropped a moment ago is refused, idle connection or not.
    const rows = await this.db.rows<{ schema: string; role: string; status: string }>(
      'SELECT schema, role, status FROM public.tenants WHERE schema = ANY($1::text[])',
      [schemas],
    )
    const found = new Map<string, TenantRow | SchemataError>()
    for (const row of rows) {
      found.set(row.schema, row.status === 'active' ? { schema: row.schema, role: row.role } : new TenantSuspendedError(row.schema, row.status))
    }
    for (const schema of schemas) if (!found.has(schema)) found.set(schema, new TenantNotFoundError(schema))
    return found
  }

  private async runAs(tenant: TenantRow, sql: string, options: TenantStatementOptions, keep: boolean): Promise<TenantStatementResult> {
    checkSql(sql)
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    checkTimeout(timeoutMs)
    const { signal } = options
    if (signal?.aborted) throw new StatementCancelledError(tenant.schema)
    const slot = await this.acquire(tenant, signal)
    const readOnly = options.readOnly ?? true
    try {
      const { result } = await this.execute(slot, sql, { ...options, timeoutMs }, {}, false)
      if (!readOnly) {
        await slot.client.query('COMMIT')
        this.finish(slot, keep, undefined)
      } else {
        // Nothing to make durable: the caller has its answer, the connection is put back in order after.
        this.finish(slot, keep, 'ROLLBACK')
      }
      return result
    } catch (error) {
      // A statement that failed in PostgreSQL leaves a usable connection; anything else does not.
      this.finish(slot, keep && !slot.broken && pgErrorOf(error) !== undefined, 'ROLLBACK')
      throw error
    }
  }

  /**
   * Sends the statement (with its transaction's opening) and reads its rows:
   * all of them, at most `maxRows`, or page by page to `onRows`. Leaves the
   * transaction open; `keepOpen` also leaves a portal with more rows unclosed.
   */
  private async execute(
    slot: Slot,
    sql: string,
    options: TenantStatementOptions & { timeoutMs: number },
    session: { idleMs?: number },
    keepOpen: boolean,
  ): Promise<{ result: TenantStatementResult; carry: (string | null)[] | null }> {
    const { client, tenant } = slot
    const readOnly = options.readOnly ?? true
    // The integers are ours (checked above); the SELECT takes the snapshot that locks the transaction's mode.
    const prelude = [
      `BEGIN ${readOnly ? 'READ ONLY' : 'READ WRITE'}`,
      `SET LOCAL statement_timeout = ${options.timeoutMs}`,
      ...(session.idleMs === undefined ? [] : [`SET LOCAL idle_in_transaction_session_timeout = ${session.idleMs}`]),
      'SELECT',
    ]
    const limit = options.maxRows ?? 0
    const pageRows = options.onRows ? Math.max(1, options.pageRows ?? DEFAULT_PAGE_ROWS) : 0
    // Read one row past the limit, so "more" is known without another round trip.
    const firstPage = limit > 0 ? (pageRows > 0 ? Math.min(pageRows, limit + 1) : limit + 1) : pageRows
    const watch = this.watch(slot, options.timeoutMs, options.signal)
    const started = performance.now()
    try {
      let page = await openPortal(client, prelude, sql, options.params ?? [], firstPage)
      const ms = elapsed(started)
      const fields = page.fields
      const rows: (string | null)[][] = []
      let read = 0
      let more = false
      for (;;) {
        let batch = page.rows
        if (limit > 0 && read + batch.length > limit) {
          batch = batch.slice(0, limit - read)
          more = true
        }
        read += batch.length
        if (options.onRows) {
          if (batch.length > 0) await options.onRows(batch, fields)
        } else {
          for (const row of batch) rows.push(row)
        }
        if (more || !page.suspended) break
        const want = limit > 0 ? Math.min(pageRows || limit, limit - read + 1) : pageRows
        page = await fetchPortal(client, fields, want)
      }
      const command = commandOf(page.commandTag)
      const result = { schema: tenant.schema, command, rowCount: more ? null : countOf(command, page.commandTag, read), fields, rows, more, ms }
      // The first row past the limit was read already: a held result gives it first.
      return { result, carry: more && keepOpen ? (page.rows[page.rows.length - 1] ?? null) : null }
    } catch (error) {
      throw this.explain(error, tenant.schema, watch, options.timeoutMs)
    } finally {
      watch.dispose()
    }
  }

  /** Cancels the running statement when `signal` aborts or the deadline passes; closes the connection if the server does not stop. */
  private watch(slot: Slot, timeoutMs: number, signal: AbortSignal | undefined): Watch {
    const { client } = slot
    const timers: NodeJS.Timeout[] = []
    const watch: Watch = {
      stoppedBy: undefined,
      dispose: () => {
        for (const timer of timers) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      },
    }
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
    const onAbort = (): void => {
      watch.stoppedBy ??= 'user'
      cancel()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const deadline = setTimeout(() => {
      watch.stoppedBy ??= 'deadline'
      cancel()
    }, timeoutMs + DEADLINE_GRACE_MS)
    deadline.unref()
    timers.push(deadline)
    return watch
  }

  private explain(error: unknown, schema: string, watch: Watch, timeoutMs: number): SchemataError {
    const pgError = pgErrorOf(error)
    if (pgError?.code === '57014') {
      if (watch.stoppedBy === 'user') return new StatementCancelledError(schema, { cause: error })
      return new StatementTimeoutError(schema, timeoutMs, { cause: error })
    }
    if (watch.stoppedBy === 'user') return new StatementCancelledError(schema, { cause: error })
    if (watch.stoppedBy === 'deadline') return new StatementTimeoutError(schema, timeoutMs, { cause: error })
    if (error instanceof SchemataError) return error
    if (pgError === undefined && error instanceof Error) {
      return new SchemataError('DATABASE_UNAVAILABLE', `${schema}: the tenant session was lost: ${error.message}`, { cause: error })
    }
    return new TenantSqlError(schema, error)
  }

  /** A held result over `slot`: pages on request, closed on request or after `holdMs` of nobody asking. */
  private keep(slot: Slot, first: TenantStatementResult, pending: (string | null)[] | null, holdMs: number, timeoutMs: number): HeldResult {
    let open = true
    let carry = pending
    let read = first.rows.length
    let idle: NodeJS.Timeout | undefined
    const close = async (): Promise<void> => {
      if (!open) return
      open = false
      clearTimeout(idle)
      this.finish(slot, true, 'ROLLBACK')
      await Promise.resolve()
    }
    const arm = (): void => {
      clearTimeout(idle)
      idle = setTimeout(() => void close(), holdMs)
      idle.unref()
    }
    arm()
    const held: HeldResult = {
      first,
      get open() {
        return open
      },
      next: async (maxRows, options = {}) => {
        if (!open) throw new SchemataError('NOT_FOUND', `${slot.tenant.schema}: this result is closed; run the statement again`)
        if (!Number.isInteger(maxRows) || maxRows < 1) throw new InvalidInputError('maxRows', 'must be a whole number from 1')
        clearTimeout(idle)
        const rows: (string | null)[][] = carry ? [carry] : []
        carry = null
        const watch = this.watch(slot, options.timeoutMs ?? timeoutMs, options.signal)
        const started = performance.now()
        try {
          // One row more than asked for, to know whether the result goes on.
          const page: PortalPage = await fetchPortal(slot.client, first.fields, maxRows - rows.length + 1)
          rows.push(...page.rows)
          const more = page.suspended || rows.length > maxRows
          if (rows.length > maxRows) carry = rows.pop() ?? null
          read += rows.length
          const command = commandOf(page.commandTag) || first.command
          const result: TenantStatementResult = {
            schema: slot.tenant.schema,
            command,
            rowCount: more ? null : countOf(command, page.commandTag, read),
            fields: first.fields,
            rows,
            more,
            ms: elapsed(started),
          }
          if (more) arm()
          else await close()
          return result
        } catch (error) {
          open = false
          this.finish(slot, pgErrorOf(error) !== undefined && !slot.broken, 'ROLLBACK')
          throw this.explain(error, slot.tenant.schema, watch, options.timeoutMs ?? timeoutMs)
        } finally {
          watch.dispose()
        }
      },
      close,
    }
    return held
  }

  /**
   * Ends the slot's transaction (`end`, unless already ended), resets the
   * session and puts it back — or closes the connection when it is not to be
   * kept. Runs in the background; the slot serves nobody until it is done.
   */
  private finish(slot: Slot, keep: boolean, end: 'ROLLBACK' | undefined): void {
    const work = (async () => {
      if (keep && !slot.broken && !this.closed) {
        try {
          if (end) await slot.client.query(end)
          await this.reset(slot)
        } catch {
          slot.broken = true
        }
      } else {
        slot.broken = true
      }
      this.release(slot)
    })()
    this.finishing.add(work)
    void work.finally(() => this.finishing.delete(work))
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
