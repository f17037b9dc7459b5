import { z } from 'zod'
import type { GridCell, GridColumn } from './data-grid.ts'

/*
 * The SQL console's part of the contract. Typed SQL runs in a session that is
 * the tenant (logged in as its role), read-only unless `write` is set; a
 * destructive statement with `write` needs the tenant's name typed back. A
 * statement failing in PostgreSQL is an answer, not a failed call: it comes
 * back as `{ ok: false, error }` with PostgreSQL's SQLSTATE, message and
 * position, for the editor to mark.
 */

/** Most rows one page of a result may have. */
export const MAX_RESULT_PAGE = 10_000
export const DEFAULT_RESULT_PAGE = 500
/** Most rows a fan-out sends to the console per tenant; the rest are counted, not shown. */
export const MAX_FAN_OUT_ROWS_PER_TENANT = 1000
export const DEFAULT_FAN_OUT_ROWS_PER_TENANT = 100
/** Most rows of a fan-out the console is sent in all; tenants past it report their counts only. */
export const MAX_FAN_OUT_ROWS_SHOWN = 20_000
export const MAX_SQL_TIMEOUT_MS = 3_600_000

const schemaName = z.string().min(1).max(63)
const sql = z.string().max(1_000_000, 'must be at most 1,000,000 characters')
const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _')
const timeoutMs = z.number().int().min(1).max(MAX_SQL_TIMEOUT_MS)

/** Which tenants a fan-out runs in (as the CLI's --all / --type / --tenants, with --where status=…). */
const targets = z
  .object({
    all: z.boolean().optional(),
    type: z.string().min(1).max(63).optional(),
    tenants: z.array(schemaName).max(100_000).optional(),
    status: z.enum(['active', 'suspended']).optional(),
  })
  .strict()

export const sqlConsoleInputs = {
  run: z
    .object({
      tenant: schemaName,
      sql,
      runId,
      write: z.boolean().optional(),
      /** The tenant's schema typed by the user, for a destructive statement with `write`. */
      confirm: z.string().max(200).optional(),
      limit: z.number().int().min(1).max(MAX_RESULT_PAGE).optional(),
      timeoutMs: timeoutMs.optional(),
    })
    .strict(),
  more: z.object({ tenant: schemaName, resultId: runId, limit: z.number().int().min(1).max(MAX_RESULT_PAGE).optional() }).strict(),
  close: z.object({ tenant: schemaName, resultId: runId }).strict(),
  cancel: z.object({ runId }).strict(),
  catalog: z.object({ tenant: schemaName }).strict(),
  targets: z.object({ targets }).strict(),
  fanOut: z
    .object({
      sql,
      runId,
      targets,
      write: z.boolean().optional(),
      /** With `write`: how many tenants the user confirmed (from `sql/targets`); refused if the selection now differs. */
      confirmTenants: z.number().int().min(0).optional(),
      concurrency: z.number().int().min(1).max(64).optional(),
      rowsPerTenant: z.number().int().min(1).max(MAX_FAN_OUT_ROWS_PER_TENANT).optional(),
      timeoutMs: timeoutMs.optional(),
    })
    .strict(),
}

export type FanOutTargets = z.infer<typeof targets>

/** Why a statement failed, as PostgreSQL put it. */
export interface SqlFailure {
  /** SQL_ERROR (PostgreSQL refused it), TIMEOUT, CANCELLED, or why the tenant could not run it (TENANT_SUSPENDED, …). */
  code: string
  /** PostgreSQL's SQLSTATE, when it was PostgreSQL that refused. */
  sqlState?: string
  message: string
  detail?: string
  hint?: string
  /** 1-based character position in the statement that PostgreSQL points at. */
  position?: number
  /** The same place as a 0-based offset in the text the console sent, for the editor to mark. */
  offset?: number
}

/** A statement's answer: its first page of rows, or why it failed. */
export type SqlRunResult =
  | {
      ok: true
      tenant: string
      /** The verb of the command tag: SELECT, UPDATE, … */
      command: string
      columns: GridColumn[]
      rows: GridCell[][]
      /** Rows returned or changed; null while more rows wait (`resultId`). */
      rowCount: number | null
      /** More rows wait: `sql/more` with this id reads them (the result is held a few minutes). */
      resultId: string | null
      ms: number
      /** Whether it ran read-write (`write`). */
      wrote: boolean
    }
  | { ok: false; tenant: string; error: SqlFailure; ms: number }

/** The next page of a held result. */
export interface SqlPage {
  rows: GridCell[][]
  /** More rows still wait. */
  more: boolean
  rowCount: number | null
  ms: number
}

/** A table or view the tenant can query, with its columns, for the editor's completion. */
export interface SqlCatalogTable {
  schema: string
  name: string
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'partitioned table'
  /** A shared readable table in `public`. */
  shared: boolean
  columns: { name: string; type: string }[]
}

export interface SqlCatalog {
  tenant: string
  /** The tenant's own schema, first on its search_path. */
  schema: string
  tables: SqlCatalogTable[]
}

/** The tenants a fan-out selection names now. */
export interface FanOutTargetList {
  count: number
  /** The first 50 schemas, in name order, for a preview. */
  sample: string[]
}

/** One tenant's part of a fan-out, as it finished. */
export interface FanOutTenantReport {
  schema: string
  ok: boolean
  ms: number
  command?: string
  rowCount?: number | null
  /** Rows sent to the console (at most rowsPerTenant). */
  rowsShown?: number
  error?: SqlFailure
}

/** Pushed to the window that started a fan-out, batched: finished tenants with their rows, and the counts. */
export interface FanOutEvent {
  runId: string
  /** The merged result's columns (without the tenant column), once known. */
  columns?: GridColumn[]
  tenants: FanOutTenantReport[]
  /** Rows of those tenants, each with its tenant first. */
  rows: GridCell[][]
  progress: FanOutProgress
}

export interface FanOutProgress {
  total: number
  done: number
  failed: number
  elapsedMs: number
}

/** A fan-out's end. */
export interface FanOutSummary {
  runId: string
  total: number
  ok: number
  failed: number
  /** Not started because the run was cancelled. */
  skipped: number
  cancelled: boolean
  ms: number
}
