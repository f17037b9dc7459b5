import { useCallback, useEffect, useRef, useState } from 'react'
import { ContractError } from '../../../contract/contract.ts'
import type { GridCell } from '../../../contract/data-grid.ts'
import type { SqlFailure, SqlRunResult } from '../../../contract/sql-console.ts'
import { useClient } from '../client/client-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { newRunId } from './run-id.ts'

type Answer = Extract<SqlRunResult, { ok: true }>

/** Where a statement run from the console stands. */
export type SqlRunState =
  | { status: 'idle' }
  | { status: 'running'; runId: string; started: number }
  | { status: 'done'; answer: Answer; rows: GridCell[][]; resultId: string | null; rowCount: number | null; loadingMore: boolean; moreError: string | undefined }
  /** `statementStart`: where the statement that was sent begins in the editor, to place PostgreSQL's offset. */
  | { status: 'failed'; failure: SqlFailure; statementStart: number }

export interface RunRequest {
  sql: string
  statementStart: number
  write: boolean
  confirm?: string
  limit: number
}

/** A refused call (invalid input, a tenant gone) as the failure the view shows. */
function failureOf(error: unknown): SqlFailure {
  if (error instanceof ContractError) return { code: error.code, message: error.message }
  return { code: 'INTERNAL', message: errorMessage(error) }
}

/**
 * One statement at a time in `tenant`: run (its first page), load more of a
 * held result, cancel in PostgreSQL. The held result and a running statement
 * are given up when the view goes (another tenant, another tab).
 */
export function useSqlRun(tenant: string) {
  const client = useClient()
  const [state, setState] = useState<SqlRunState>({ status: 'idle' })
  const current = useRef(state)
  current.current = state

  useEffect(
    () => () => {
      const last = current.current
      if (last.status === 'running') void client.call('sql/cancel', { runId: last.runId }).catch(() => undefined)
      if (last.status === 'done' && last.resultId !== null) void client.call('sql/close', { tenant, resultId: last.resultId }).catch(() => undefined)
    },
    [client, tenant],
  )

  const run = useCallback(
    async (request: RunRequest): Promise<SqlRunResult | { ok: false; error: SqlFailure }> => {
      const runId = newRunId('run')
      setState({ status: 'running', runId, started: performance.now() })
      try {
        const result = await client.call('sql/run', {
          tenant,
          sql: request.sql,
          runId,
          limit: request.limit,
          ...(request.write ? { write: true } : {}),
          ...(request.confirm === undefined ? {} : { confirm: request.confirm }),
        })
        if (result.ok) {
          setState({ status: 'done', answer: result, rows: result.rows, resultId: result.resultId, rowCount: result.rowCount, loadingMore: false, moreError: undefined })
        } else {
          setState({ status: 'failed', failure: result.error, statementStart: request.statementStart })
        }
        return result
      } catch (error) {
        const failure = failureOf(error)
        setState({ status: 'failed', failure, statementStart: request.statementStart })
        return { ok: false, error: failure }
      }
    },
    [client, tenant],
  )

  const cancel = useCallback(async () => {
    const last = current.current
    if (last.status === 'running') await client.call('sql/cancel', { runId: last.runId })
  }, [client])

  const loadMore = useCallback(
    async (limit: number) => {
      const last = current.current
      if (last.status !== 'done' || last.resultId === null || last.loadingMore) return
      const resultId = last.resultId
      setState({ ...last, loadingMore: true, moreError: undefined })
      try {
        const page = await client.call('sql/more', { tenant, resultId, limit })
        setState((now) =>
          now.status === 'done' && now.resultId === resultId
            ? { ...now, rows: [...now.rows, ...page.rows], resultId: page.more ? resultId : null, rowCount: page.rowCount, loadingMore: false }
            : now,
        )
      } catch (error) {
        // The result is gone (held too long, closed): say so; the rows already loaded stay.
        setState((now) => (now.status === 'done' && now.resultId === resultId ? { ...now, resultId: null, loadingMore: false, moreError: errorMessage(error) } : now))
      }
    },
    [client, tenant],
  )

  return { state, run, cancel, loadMore }
}
