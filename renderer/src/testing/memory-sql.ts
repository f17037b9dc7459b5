import { ContractError } from '../../../contract/contract.ts'
import type { GridCell, GridColumn } from '../../../contract/data-grid.ts'
import type {
  FanOutEvent,
  FanOutSummary,
  FanOutTargetList,
  FanOutTargets,
  FanOutTenantReport,
  SqlCatalog,
  SqlFailure,
  SqlPage,
  SqlRunResult,
} from '../../../contract/sql-console.ts'
import { DEFAULT_RESULT_PAGE } from '../../../contract/sql-console.ts'
import { destructiveReason, singleStatement, sqlTokens } from '../../../contract/sql-text.ts'

/*
 * The sql/* calls in miniature, for component tests: a handful of statement
 * shapes answered from the memory tenants (customers, count(*),
 * generate_series for paging, pg_sleep until cancelled, a syntax error for an
 * unknown first word, the read-only and permission refusals PostgreSQL would
 * give), with main's input rules (one statement, typed confirmation, the
 * confirmed tenant count of a write fan-out). It is not a SQL engine: what it
 * does not recognise it answers as one row "ok".
 */

/** What the memory SQL needs of a tenant. */
export interface MemorySqlTenant {
  schema: string
  type: string
  status: string
  customers: readonly { id: number; name: string; email: string; createdAt: string }[]
}

/** What the memory SQL needs of the memory client. */
export interface MemorySqlHost {
  /** The window's tenant a tenant call names (main's CONFLICT and NOT FOUND rules). */
  scoped(input: Record<string, unknown>): MemorySqlTenant
  tenants(): MemorySqlTenant[]
  emit(event: FanOutEvent): void
}

type Outcome = { ok: true; command: string; columns: GridColumn[]; rows: GridCell[][] } | { ok: false; error: SqlFailure }

const CUSTOMER_COLUMNS: GridColumn[] = [
  { name: 'id', type: 'bigint', kind: 'number' },
  { name: 'name', type: 'text', kind: 'text' },
  { name: 'email', type: 'text', kind: 'text' },
  { name: 'created_at', type: 'timestamp with time zone', kind: 'datetime' },
]
const READS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'SHOW', 'EXPLAIN'])
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'DROP', 'TRUNCATE', 'CREATE', 'ALTER', 'SET', 'RESET', 'GRANT', 'COPY'])

function invalid(field: string, message: string): never {
  throw new ContractError({ code: 'INVALID_INPUT', message: `${field}: ${message}`, field })
}

function sqlError(sqlState: string, message: string, offset?: number): Outcome {
  return { ok: false, error: { code: 'SQL_ERROR', sqlState, message, ...(offset === undefined ? {} : { position: offset + 1, offset }) } }
}

export class MemorySql {
  /** Awaited before each tenant of a fan-out, when set: a test decides when the next tenant runs. */
  pace: (() => Promise<void>) | undefined
  /** Run ids cancelled, in order (as `sql/cancel` reached main). */
  readonly cancelled: string[] = []
  private readonly running = new Map<string, () => void>()
  private readonly held = new Map<string, { tenant: string; rows: GridCell[][] }>()

  async answer(name: string, input: Record<string, unknown>, host: MemorySqlHost): Promise<unknown> {
    switch (name) {
      case 'sql/catalog':
        return this.catalog(host.scoped(input).schema)
      case 'sql/run':
        return this.run(host.scoped(input), input)
      case 'sql/more':
        return this.more(host.scoped(input).schema, String(input.resultId), typeof input.limit === 'number' ? input.limit : DEFAULT_RESULT_PAGE)
      case 'sql/close':
        return { closed: this.held.delete(String(input.resultId)) }
      case 'sql/cancel': {
        const runId = String(input.runId)
        this.cancelled.push(runId)
        const abort = this.running.get(runId)
        abort?.()
        return { cancelled: abort !== undefined }
      }
      case 'sql/targets': {
        const schemas = this.select(host.tenants(), input.targets as FanOutTargets)
        return { count: schemas.length, sample: schemas.slice(0, 50) } satisfies FanOutTargetList
      }
      case 'sql/fan-out':
        return this.fanOut(host, input)
      default:
        throw new ContractError({ code: 'INVALID_INPUT', message: `unknown call ${name}` })
    }
  }

  private catalog(schema: string): SqlCatalog {
    const orders: GridColumn[] = [
      { name: 'id', type: 'bigint', kind: 'number' },
      { name: 'customer_id', type: 'bigint', kind: 'number' },
      { name: 'amount_cents', type: 'integer', kind: 'number' },
      { name: 'status', type: 'text', kind: 'text' },
    ]
    return {
      tenant: schema,
      schema,
      tables: [
        { schema, name: 'customers', kind: 'table', shared: false, columns: CUSTOMER_COLUMNS.map((c) => ({ name: c.name, type: c.type })) },
        { schema, name: 'orders', kind: 'table', shared: false, columns: orders.map((c) => ({ name: c.name, type: c.type })) },
      ],
    }
  }

  private async run(tenant: MemorySqlTenant, input: Record<string, unknown>): Promise<SqlRunResult> {
    const checked = singleStatement(String(input.sql))
    if (!checked.ok) invalid('sql', checked.rule)
    const write = input.write === true
    const reason = write ? destructiveReason(checked.statement.text) : null
    if (reason !== null && input.confirm !== tenant.schema) invalid('confirm', `${reason}: type the tenant's schema name "${tenant.schema}" to run it`)
    const runId = String(input.runId)
    const outcome = await this.evaluate(tenant, checked.statement.text, write, runId)
    if (!outcome.ok) {
      const error = { ...outcome.error }
      if (error.offset !== undefined) error.offset += checked.statement.start
      return { ok: false, tenant: tenant.schema, error, ms: 1 }
    }
    const limit = typeof input.limit === 'number' ? input.limit : DEFAULT_RESULT_PAGE
    const more = outcome.rows.length > limit
    if (more) this.held.set(runId, { tenant: tenant.schema, rows: outcome.rows.slice(limit) })
    return {
      ok: true,
      tenant: tenant.schema,
      command: outcome.command,
      columns: outcome.columns,
      rows: outcome.rows.slice(0, limit),
      rowCount: more ? null : outcome.columns.length === 0 ? 0 : outcome.rows.length,
      resultId: more ? runId : null,
      ms: 2,
      wrote: write,
    }
  }

  private more(tenant: string, resultId: string, limit: number): SqlPage {
    const held = this.held.get(resultId)
    if (held?.tenant !== tenant) throw new ContractError({ code: 'NOT_FOUND', message: 'this result is no longer open; run the statement again', field: 'resultId' })
    const rows = held.rows.splice(0, limit)
    const more = held.rows.length > 0
    if (!more) this.held.delete(resultId)
    return { rows, more, rowCount: more ? null : rows.length, ms: 1 }
  }

  /** One statement in one tenant, as PostgreSQL would answer the shapes this knows. */
  private async evaluate(tenant: MemorySqlTenant, sql: string, write: boolean, runId: string): Promise<Outcome> {
    const tokens = sqlTokens(sql)
    const first = tokens[0]
    const verb = first?.upper ?? ''
    if (first === undefined || (!READS.has(verb) && !WRITES.has(verb))) {
      return sqlError('42601', `syntax error at or near "${first === undefined ? '' : sql.slice(first.start, first.end)}"`, first?.start ?? 0)
    }
    if (/\bpg_sleep\s*\(/i.test(sql)) {
      await new Promise<void>((resolve) => this.running.set(runId, resolve))
      this.running.delete(runId)
      return { ok: false, error: { code: 'CANCELLED', sqlState: '57014', message: 'canceling statement due to user request' } }
    }
    if (/\b(public\s*\.\s*)?tenants\b/i.test(sql) && /\bfrom\b/i.test(sql)) return sqlError('42501', 'permission denied for table tenants')
    if (WRITES.has(verb)) {
      if (!write) return sqlError('25006', `cannot execute ${verb} in a read-only transaction`)
      return { ok: true, command: verb, columns: [], rows: [] }
    }
    const series = /generate_series\s*\(\s*1\s*,\s*(\d+)\s*\)/i.exec(sql)
    if (series) {
      const n = Number(series[1])
      return { ok: true, command: 'SELECT', columns: [{ name: 'n', type: 'integer', kind: 'number' }], rows: Array.from({ length: n }, (_, i) => [String(i + 1)]) }
    }
    if (/\bfrom\s+customers\b/i.test(sql)) {
      if (/count\s*\(\s*\*\s*\)/i.test(sql)) return { ok: true, command: 'SELECT', columns: [{ name: 'count', type: 'bigint', kind: 'number' }], rows: [[String(tenant.customers.length)]] }
      return { ok: true, command: 'SELECT', columns: CUSTOMER_COLUMNS, rows: tenant.customers.map((c) => [String(c.id), c.name, c.email, c.createdAt]) }
    }
    return { ok: true, command: 'SELECT', columns: [{ name: 'result', type: 'text', kind: 'text' }], rows: [['ok']] }
  }

  private select(tenants: MemorySqlTenant[], targets: FanOutTargets): string[] {
    const known = new Map(tenants.map((t) => [t.schema, t]))
    for (const schema of targets.tenants ?? []) if (!known.has(schema)) invalid('tenants', `no tenant "${schema}"`)
    return tenants
      .filter((t) => targets.all === true || targets.tenants?.includes(t.schema) === true || (targets.type !== undefined && t.type === targets.type))
      .filter((t) => targets.status === undefined || t.status === targets.status)
      .map((t) => t.schema)
      .sort()
  }

  private async fanOut(host: MemorySqlHost, input: Record<string, unknown>): Promise<FanOutSummary> {
    const checked = singleStatement(String(input.sql))
    if (!checked.ok) invalid('sql', checked.rule)
    const runId = String(input.runId)
    const write = input.write === true
    const tenants = host.tenants()
    const schemas = this.select(tenants, input.targets as FanOutTargets)
    if (write && input.confirmTenants !== schemas.length) {
      throw new ContractError({ code: 'CONFLICT', message: `the selection now names ${schemas.length} tenants, not the ${String(input.confirmTenants)} confirmed`, field: 'confirmTenants' })
    }
    let cancelled = false
    // Cancelling the fan-out skips the tenants not started and cancels the statement of the one running.
    this.running.set(runId, () => {
      cancelled = true
      for (const [id, abort] of this.running) if (id.startsWith(`${runId}:`)) abort()
    })
    const progress = { total: schemas.length, done: 0, failed: 0, elapsedMs: 0 }
    let columns: GridColumn[] | undefined
    try {
      for (const schema of schemas) {
        await this.pace?.()
        if (cancelled) break
        const tenant = tenants.find((t) => t.schema === schema) as MemorySqlTenant
        const outcome = await this.evaluate(tenant, checked.statement.text, write, `${runId}:${schema}`)
        progress.done++
        progress.elapsedMs += 3
        const event: FanOutEvent = { runId, tenants: [], rows: [], progress: { ...progress } }
        let report: FanOutTenantReport
        if (outcome.ok) {
          const shown = outcome.columns.length === 0 ? [{ name: 'command', type: 'text', kind: 'text' as const }] : outcome.columns
          if (columns === undefined) event.columns = columns = shown
          event.rows = outcome.columns.length === 0 ? [[schema, outcome.command]] : outcome.rows.map((row) => [schema, ...row])
          report = { schema, ok: true, ms: 3, command: outcome.command, rowCount: outcome.rows.length, rowsShown: outcome.rows.length }
        } else {
          progress.failed++
          event.progress = { ...progress }
          report = { schema, ok: false, ms: 3, error: outcome.error }
        }
        event.tenants = [report]
        host.emit(event)
      }
    } finally {
      this.running.delete(runId)
    }
    return { runId, total: schemas.length, ok: progress.done - progress.failed, failed: progress.failed, skipped: schemas.length - progress.done, cancelled, ms: progress.elapsedMs }
  }
}
