import { useCallback, useEffect, useRef, useState } from 'react'
import type { GridCell, GridColumn } from '../../../contract/data-grid.ts'
import type { FanOutProgress, FanOutSummary, FanOutTargets, FanOutTenantReport } from '../../../contract/sql-console.ts'
import { useClient } from '../client/client-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { newRunId } from './run-id.ts'

/** A fan-out as the console sees it: what arrived so far, and its end once it came. */
export interface FanOutState {
  runId: string
  sql: string
  write: boolean
  /** The statement's columns (without the tenant column), once the first tenant answered. */
  columns: GridColumn[] | undefined
  /** Merged rows, each with its tenant first. */
  rows: GridCell[][]
  /** Finished tenants, in the order they finished. */
  tenants: FanOutTenantReport[]
  progress: FanOutProgress
  /** performance.now() when it was started, for the elapsed time while it runs. */
  started: number
  summary: FanOutSummary | undefined
  /** The call was refused (invalid SQL, the selection changed since the preview). */
  error: string | undefined
}

export interface FanOutRequest {
  sql: string
  targets: FanOutTargets
  write: boolean
  /** With `write`: the number of tenants the user confirmed. */
  confirmTenants?: number
  rowsPerTenant?: number
}

/**
 * One statement in many tenants: starts the fan-out, gathers the batched
 * progress events of its run id (they may arrive after the call's own answer
 * over HTTP, so the listener stays until the next run or the view goes), and
 * cancels it — the tenants not started yet are skipped, the running ones are
 * cancelled in PostgreSQL.
 */
export function useFanOut() {
  const client = useClient()
  const [state, setState] = useState<FanOutState | undefined>(undefined)
  const unsubscribe = useRef<(() => void) | undefined>(undefined)
  const running = useRef<string | undefined>(undefined)

  useEffect(
    () => () => {
      unsubscribe.current?.()
      if (running.current !== undefined) void client.call('sql/cancel', { runId: running.current }).catch(() => undefined)
    },
    [client],
  )

  const start = useCallback(
    async (request: FanOutRequest) => {
      const runId = newRunId('fan')
      unsubscribe.current?.()
      unsubscribe.current = client.on('sql/fan-out', (event) => {
        if (event.runId !== runId) return
        setState((now) => {
          if (now?.runId !== runId) return now
          return {
            ...now,
            columns: now.columns ?? event.columns,
            rows: event.rows.length > 0 ? [...now.rows, ...event.rows] : now.rows,
            tenants: event.tenants.length > 0 ? [...now.tenants, ...event.tenants] : now.tenants,
            progress: event.progress.done >= now.progress.done ? event.progress : now.progress,
          }
        })
      })
      running.current = runId
      setState({
        runId,
        sql: request.sql,
        write: request.write,
        columns: undefined,
        rows: [],
        tenants: [],
        progress: { total: request.confirmTenants ?? 0, done: 0, failed: 0, elapsedMs: 0 },
        started: performance.now(),
        summary: undefined,
        error: undefined,
      })
      try {
        const summary = await client.call('sql/fan-out', {
          sql: request.sql,
          runId,
          targets: request.targets,
          ...(request.write ? { write: true, confirmTenants: request.confirmTenants ?? 0 } : {}),
          ...(request.rowsPerTenant === undefined ? {} : { rowsPerTenant: request.rowsPerTenant }),
        })
        setState((now) => (now?.runId === runId ? { ...now, summary } : now))
      } catch (error) {
        setState((now) => (now?.runId === runId ? { ...now, error: errorMessage(error) } : now))
      } finally {
        if (running.current === runId) running.current = undefined
      }
    },
    [client],
  )

  const cancel = useCallback(async () => {
    if (running.current !== undefined) await client.call('sql/cancel', { runId: running.current })
  }, [client])

  return { state, start, cancel }
}

/** Done, failed and remaining as shown: the summary's counts once it came (events may still be on their way). */
export function fanOutCounts(state: FanOutState): { total: number; done: number; failed: number; remaining: number } {
  const { summary, progress } = state
  const total = summary?.total ?? progress.total
  const done = summary ? summary.ok + summary.failed : progress.done
  const failed = summary?.failed ?? progress.failed
  return { total, done, failed, remaining: Math.max(0, total - done - (summary?.skipped ?? 0)) }
}
