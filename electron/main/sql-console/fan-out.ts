import type { GridCell, GridColumn } from '../../../contract/data-grid.ts'
import type { FanOutProgress, FanOutTenantReport } from '../../../contract/sql-console.ts'
import { SchemataError } from '../errors.ts'
import type { TenantField, TenantSessions } from '../tenancy/tenant-sessions.ts'
import type { ResultColumns } from './result-columns.ts'
import { sqlFailureOf } from './sql-failure.ts'

/** The columns a statement without a result (UPDATE, CREATE …) is reported with: its command tag's verb and row count. */
export const COMMAND_COLUMNS: readonly GridColumn[] = [
  { name: 'command', type: 'text', kind: 'text' },
  { name: 'rows', type: 'bigint', kind: 'number' },
]

/** Where a fan-out's results go, as they arrive. A returned promise holds that tenant's worker back (backpressure). */
export interface FanOutSink {
  /** Whether rows with these columns fit the merged result; a reason makes that tenant fail instead. */
  accept(columns: readonly GridColumn[]): string | null
  rows(schema: string, columns: readonly GridColumn[], rows: GridCell[][]): unknown
  /** A tenant is done (after all its rows). */
  tenant(report: FanOutTenantReport, progress: FanOutProgress): unknown
}

export interface FanOutStatementOptions {
  readOnly: boolean
  timeoutMs?: number
  concurrency?: number
  signal?: AbortSignal
  /** Rows read per tenant; the rest are left in PostgreSQL (default: all, streamed a page at a time). */
  rowsPerTenant?: number
}

export interface FanOutCounts {
  total: number
  ok: number
  failed: number
  skipped: number
  ms: number
}

async function settle(value: unknown): Promise<void> {
  if (value instanceof Promise) await value
}

/**
 * Runs one statement in each tenant (each in its own session, logged in as
 * that tenant, and its own transaction), at most `concurrency` at once, and
 * streams every tenant's rows and outcome to `sink` as they come. A tenant
 * that fails — an error, a timeout, columns unlike the others' — is reported
 * with PostgreSQL's SQLSTATE and the others go on. Nothing is kept after a
 * tenant is reported, so memory stays flat whatever the number of tenants.
 */
export async function fanOutStatement(
  sessions: TenantSessions,
  resultColumns: ResultColumns,
  schemas: readonly string[],
  sql: string,
  sink: FanOutSink,
  options: FanOutStatementOptions,
): Promise<FanOutCounts> {
  const started = performance.now()
  const progress: FanOutProgress = { total: schemas.length, done: 0, failed: 0, elapsedMs: 0 }
  // Per tenant while it runs (bounded by the concurrency): its columns and how many rows it sent.
  const running = new Map<string, { columns: readonly GridColumn[]; shown: number }>()
  const columnsOf = async (schema: string, fields: readonly TenantField[]): Promise<readonly GridColumn[]> => {
    const known = running.get(schema)
    if (known) return known.columns
    const columns = await resultColumns.columns(fields)
    const refusal = sink.accept(columns)
    if (refusal !== null) throw new SchemataError('CONFLICT', refusal)
    running.set(schema, { columns, shown: 0 })
    return columns
  }
  const summary = await sessions.fanOut(schemas, sql, {
    readOnly: options.readOnly,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.rowsPerTenant === undefined ? {} : { maxRows: options.rowsPerTenant }),
    onRows: async (schema, rows, fields) => {
      const columns = await columnsOf(schema, fields)
      const entry = running.get(schema)
      if (entry) entry.shown += rows.length
      await settle(sink.rows(schema, columns, rows))
    },
    onOutcome: async (outcome) => {
      let report: FanOutTenantReport
      if (outcome.ok) {
        const { result } = outcome
        try {
          if (result.fields.length === 0) {
            // Nothing to show but what it did: one row per tenant, the same in every tenant.
            const refusal = sink.accept(COMMAND_COLUMNS)
            if (refusal !== null) throw new SchemataError('CONFLICT', refusal)
            await settle(sink.rows(outcome.schema, COMMAND_COLUMNS, [[result.command, result.rowCount === null ? null : String(result.rowCount)]]))
          } else {
            // No rows: its columns still make the header.
            await columnsOf(outcome.schema, result.fields)
          }
          const shown = running.get(outcome.schema)?.shown ?? 0
          report = { schema: outcome.schema, ok: true, ms: result.ms, command: result.command, rowCount: result.rowCount, rowsShown: shown }
        } catch (error) {
          report = { schema: outcome.schema, ok: false, ms: result.ms, error: sqlFailureOf(error) }
        }
      } else {
        report = { schema: outcome.schema, ok: false, ms: outcome.ms, error: sqlFailureOf(outcome.error) }
      }
      running.delete(outcome.schema)
      progress.done++
      if (!report.ok) progress.failed++
      progress.elapsedMs = Math.round(performance.now() - started)
      await settle(sink.tenant(report, { ...progress }))
    },
  })
  return { total: schemas.length, ok: progress.done - progress.failed, failed: progress.failed, skipped: summary.skipped, ms: Math.round(performance.now() - started) }
}
