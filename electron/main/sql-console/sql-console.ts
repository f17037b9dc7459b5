import type { GridCell, GridColumn } from '../../../contract/data-grid.ts'
import {
  DEFAULT_FAN_OUT_ROWS_PER_TENANT,
  DEFAULT_RESULT_PAGE,
  type FanOutEvent,
  type FanOutTargetList,
  type FanOutTargets,
  type FanOutTenantReport,
  type FanOutSummary,
  MAX_FAN_OUT_ROWS_SHOWN,
  type SqlCatalog,
  type SqlCatalogTable,
  type SqlPage,
  type SqlRunResult,
} from '../../../contract/sql-console.ts'
import { destructiveReason, offsetOfPosition, singleStatement, type SqlStatementSpan } from '../../../contract/sql-text.ts'
import { InvalidInputError, SchemataError } from '../errors.ts'
import type { Tenancy } from '../tenancy/service.ts'
import type { HeldResult, TenantStatementResult } from '../tenancy/tenant-sessions.ts'
import { fanOutStatement } from './fan-out.ts'
import { ResultColumns } from './result-columns.ts'
import { sqlFailureOf } from './sql-failure.ts'
import { selectTenants } from './tenant-selection.ts'

/** How long a result with more rows stays open for "load more" without being asked. */
const HOLD_MS = 300_000
/** How often a fan-out's finished tenants go to the window, batched. */
const EVENT_INTERVAL_MS = 100

export interface RunInput {
  tenant: string
  sql: string
  runId: string
  write?: boolean | undefined
  confirm?: string | undefined
  limit?: number | undefined
  timeoutMs?: number | undefined
}

export interface FanOutInput {
  sql: string
  runId: string
  targets: FanOutTargets
  write?: boolean | undefined
  confirmTenants?: number | undefined
  concurrency?: number | undefined
  rowsPerTenant?: number | undefined
  timeoutMs?: number | undefined
}

/** The one statement of what the console sent, or invalid input naming the rule (and where the second statement starts). */
function oneStatement(sql: string): SqlStatementSpan {
  const checked = singleStatement(sql)
  if (!checked.ok) throw new InvalidInputError('sql', checked.rule)
  return checked.statement
}

/**
 * The SQL console behind the contract, transport-free: one statement in the
 * window's tenant (a result kept open for "load more", cancel by run id), or
 * one statement in many tenants with progress pushed to the window. SQL runs
 * in tenant sessions (logged in as the tenant), never on the app's pool.
 */
export class SqlConsole {
  private readonly running = new Map<string, AbortController>()
  /** Per window, its one result holding rows for "load more". */
  private readonly held = new Map<string, { resultId: string; tenant: string; result: HeldResult }>()
  private readonly resultColumns: ResultColumns

  constructor(
    private readonly tenancy: Tenancy,
    private readonly sharedReadable: () => readonly string[],
  ) {
    this.resultColumns = new ResultColumns(tenancy.db)
  }

  /** Runs one statement as `input.tenant`; a statement PostgreSQL refuses is an answer (`ok: false`), not a throw. */
  async run(windowId: string, input: RunInput): Promise<SqlRunResult> {
    const statement = oneStatement(input.sql)
    const write = input.write === true
    if (write) {
      const reason = destructiveReason(statement.text)
      if (reason !== null && input.confirm !== input.tenant) {
        throw new InvalidInputError('confirm', `${reason}: type the tenant's schema name "${input.tenant}" to run it`)
      }
    }
    await this.closeHeld(windowId)
    const controller = this.track(windowId, input.runId)
    const limit = input.limit ?? DEFAULT_RESULT_PAGE
    const started = performance.now()
    const options = {
      signal: controller.signal,
      maxRows: limit,
      ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
    }
    try {
      let result: TenantStatementResult
      let resultId: string | null = null
      if (write) {
        result = await this.tenancy.tenantSessions.run(input.tenant, statement.text, { ...options, readOnly: false })
      } else {
        const held = await this.tenancy.tenantSessions.hold(input.tenant, statement.text, { ...options, holdMs: HOLD_MS })
        result = held.first
        if (held.open) {
          resultId = input.runId
          this.held.set(windowId, { resultId, tenant: input.tenant, result: held })
        }
      }
      return {
        ok: true,
        tenant: input.tenant,
        command: result.command,
        columns: await this.resultColumns.columns(result.fields),
        rows: result.rows,
        rowCount: result.rowCount,
        resultId,
        ms: result.ms,
        wrote: write,
      }
    } catch (error) {
      if (!(error instanceof SchemataError) || !['SQL_ERROR', 'TIMEOUT', 'CANCELLED'].includes(error.code)) throw error
      const failure = sqlFailureOf(error)
      // Where PostgreSQL points, as an offset in the text the console sent (the editor marks it there).
      if (failure.position !== undefined) failure.offset = statement.start + offsetOfPosition(statement.text, failure.position)
      return { ok: false, tenant: input.tenant, error: failure, ms: Math.round(performance.now() - started) }
    } finally {
      this.untrack(windowId, input.runId, controller)
    }
  }

  /** The next page of the window's open result. */
  async more(windowId: string, input: { tenant: string; resultId: string; limit?: number | undefined }): Promise<SqlPage> {
    const entry = this.held.get(windowId)
    if (entry?.resultId !== input.resultId || entry.tenant !== input.tenant || !entry.result.open) {
      throw new SchemataError('NOT_FOUND', 'this result is no longer open (it closes after 5 minutes without "load more", or when another statement runs); run the statement again', {
        field: 'resultId',
      })
    }
    const controller = this.track(windowId, input.resultId)
    try {
      const page = await entry.result.next(input.limit ?? DEFAULT_RESULT_PAGE, { signal: controller.signal })
      if (!page.more) this.held.delete(windowId)
      return { rows: page.rows, more: page.more, rowCount: page.rowCount, ms: page.ms }
    } catch (error) {
      this.held.delete(windowId)
      throw error
    } finally {
      this.untrack(windowId, input.resultId, controller)
    }
  }

  /** Closes the window's open result (its connection goes back to the pool). */
  async close(windowId: string, resultId: string): Promise<{ closed: boolean }> {
    if (this.held.get(windowId)?.resultId !== resultId) return { closed: false }
    await this.closeHeld(windowId)
    return { closed: true }
  }

  /** Cancels the window's statement or fan-out `runId` in PostgreSQL; false when nothing of that id runs. */
  cancel(windowId: string, runId: string): { cancelled: boolean } {
    const controller = this.running.get(`${windowId}\u0000${runId}`)
    controller?.abort()
    return { cancelled: controller !== undefined }
  }

  /** What the tenant can query (its tables and views, and the shared readable ones), for completion. */
  async catalog(tenant: string): Promise<SqlCatalog> {
    const rows = await this.tenancy.withTenant(
      tenant,
      (scope) =>
        scope.query<{ schema: string; name: string; relkind: string; column: string | null; type: string | null }>(
          `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE (n.nspname = $1 OR (n.nspname = 'public' AND c.relname = ANY($2::text[])))
              AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
              AND has_table_privilege(c.oid, 'SELECT')
            ORDER BY n.nspname <> $1, c.relname, a.attnum`,
          [tenant, [...this.sharedReadable()]],
        ),
      { readOnly: true },
    )
    const kinds: Record<string, SqlCatalogTable['kind']> = { r: 'table', v: 'view', m: 'materialized view', f: 'foreign table', p: 'partitioned table' }
    const tables = new Map<string, SqlCatalogTable>()
    for (const row of rows) {
      const key = `${row.schema}.${row.name}`
      let table = tables.get(key)
      if (!table) {
        table = { schema: row.schema, name: row.name, kind: kinds[row.relkind] ?? 'table', shared: row.schema !== tenant, columns: [] }
        tables.set(key, table)
      }
      if (row.column !== null) table.columns.push({ name: row.column, type: row.type ?? '' })
    }
    return { tenant, schema: tenant, tables: [...tables.values()] }
  }

  /** The tenants a selection names now, for the console's preview. */
  async targets(targets: FanOutTargets): Promise<FanOutTargetList> {
    const schemas = await this.select(targets)
    return { count: schemas.length, sample: schemas.slice(0, 50) }
  }

  /**
   * Runs one statement in every tenant of the selection, each in its own
   * session and transaction; finished tenants (with up to `rowsPerTenant`
   * rows each) are pushed to the window every 100 ms through `emit`. With
   * `write`, the caller must confirm the number of tenants it previewed.
   */
  async fanOut(windowId: string, input: FanOutInput, emit: (event: FanOutEvent) => void): Promise<FanOutSummary> {
    const statement = oneStatement(input.sql)
    const schemas = await this.select(input.targets)
    const write = input.write === true
    if (write && input.confirmTenants !== schemas.length) {
      throw new SchemataError(
        input.confirmTenants === undefined ? 'INVALID_INPUT' : 'CONFLICT',
        input.confirmTenants === undefined
          ? `confirmTenants: a write in many tenants needs the number of tenants confirmed (${schemas.length} now)`
          : `the selection now names ${schemas.length} tenants, not the ${input.confirmTenants} confirmed; review it and confirm again`,
        { field: 'confirmTenants' },
      )
    }
    const controller = this.track(windowId, input.runId)
    const rowsPerTenant = input.rowsPerTenant ?? DEFAULT_FAN_OUT_ROWS_PER_TENANT
    let pending: { tenants: FanOutTenantReport[]; rows: GridCell[][] } = { tenants: [], rows: [] }
    let columns: GridColumn[] | undefined
    let columnsSent = false
    let shown = 0
    let last = { total: schemas.length, done: 0, failed: 0, elapsedMs: 0 }
    const flush = (): void => {
      if (pending.tenants.length === 0 && pending.rows.length === 0 && columnsSent) return
      const event: FanOutEvent = { runId: input.runId, tenants: pending.tenants, rows: pending.rows, progress: last }
      if (!columnsSent && columns !== undefined) {
        event.columns = columns
        columnsSent = true
      }
      pending = { tenants: [], rows: [] }
      emit(event)
    }
    const timer = setInterval(flush, EVENT_INTERVAL_MS)
    try {
      const counts = await fanOutStatement(
        this.tenancy.tenantSessions,
        this.resultColumns,
        schemas,
        statement.text,
        {
          accept: (next) => {
            if (columns === undefined) {
              columns = [...next]
              return null
            }
            const same = columns.length === next.length && columns.every((column, i) => column.name === next[i]?.name)
            return same ? null : `returned columns (${next.map((c) => c.name).join(', ')}), unlike the first tenant's (${columns.map((c) => c.name).join(', ')})`
          },
          rows: (schema, _columns, rows) => {
            // The console shows a sample; past the cap rows are counted (per tenant) but not sent.
            for (const row of rows) {
              if (shown >= MAX_FAN_OUT_ROWS_SHOWN) break
              pending.rows.push([schema, ...row])
              shown++
            }
          },
          tenant: (report, progress) => {
            pending.tenants.push(report)
            last = progress
          },
        },
        {
          readOnly: !write,
          signal: controller.signal,
          rowsPerTenant,
          ...(input.concurrency === undefined ? {} : { concurrency: input.concurrency }),
          ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
        },
      )
      flush()
      return { runId: input.runId, total: counts.total, ok: counts.ok, failed: counts.failed, skipped: counts.skipped, cancelled: controller.signal.aborted, ms: counts.ms }
    } finally {
      clearInterval(timer)
      this.untrack(windowId, input.runId, controller)
    }
  }

  /** A window went away: its statements are cancelled and its open result closed. */
  async closeWindow(windowId: string): Promise<void> {
    for (const [key, controller] of this.running) if (key.startsWith(`${windowId}\u0000`)) controller.abort()
    await this.closeHeld(windowId)
  }

  private select(targets: FanOutTargets): Promise<string[]> {
    return selectTenants(this.tenancy.db, this.tenancy.project, {
      ...(targets.all ? { all: true } : {}),
      ...(targets.type !== undefined ? { type: targets.type } : {}),
      ...(targets.tenants !== undefined ? { tenants: targets.tenants } : {}),
      where: targets.status === undefined ? [] : [{ field: 'status', value: targets.status }],
    })
  }

  private track(windowId: string, runId: string): AbortController {
    const key = `${windowId}\u0000${runId}`
    if (this.running.has(key)) throw new InvalidInputError('runId', `"${runId}" is already running in this window`)
    const controller = new AbortController()
    this.running.set(key, controller)
    return controller
  }

  private untrack(windowId: string, runId: string, controller: AbortController): void {
    const key = `${windowId}\u0000${runId}`
    if (this.running.get(key) === controller) this.running.delete(key)
  }

  private async closeHeld(windowId: string): Promise<void> {
    const entry = this.held.get(windowId)
    this.held.delete(windowId)
    await entry?.result.close()
  }
}
