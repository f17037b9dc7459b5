import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react'
import type { DbStatus } from '../../contract/types.ts'
import { useClient, useConnectionState } from './client/client-context.tsx'
import { errorMessage } from './lib/format.ts'
import { useTransient } from './lib/use-transient.ts'

/*
 * The database status, shared by the start-up screen, the sidebar pill and the
 * Database view. While the database is not up (a first run's initdb takes a few
 * seconds) it is polled quickly, so the window shows progress instead of
 * freezing; once up, slowly, plus whatever `db/status` events the main side pushes.
 * While the server cannot be reached it is polled quickly too, and asked at
 * once whenever the event channel drops or comes back, so an outage — and its
 * end — shows within a second instead of at the next slow poll.
 */

export interface DbStatusState {
  status: DbStatus | undefined
  /** Why the last status call failed (the server is not reachable yet, say). */
  error: string | undefined
  /** When this window started waiting, for the "waiting for N s" line. */
  since: number
  /** Set when the database answers again after not responding (shown for a while, or until dismissed). */
  recovered: { downMs: number } | undefined
  dismissRecovered: () => void
  refresh: () => Promise<void>
}

const DbStatusContext = createContext<DbStatusState | null>(null)

export function useDbStatus(): DbStatusState {
  const state = useContext(DbStatusContext)
  if (!state) throw new Error('useDbStatus() outside <DbStatusProvider>')
  return state
}

export function DbStatusProvider({
  children,
  fastPollMs = 500,
  slowPollMs = 15_000,
}: {
  children: ReactNode
  fastPollMs?: number
  slowPollMs?: number
}) {
  const client = useClient()
  const [status, setStatus] = useState<DbStatus | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [since] = useState(() => Date.now())
  const request = useRef(0)
  const [recovered, setRecovered] = useTransient<{ downMs: number }>(15_000)
  const silentSince = useRef<string | undefined>(undefined)
  const dismissRecovered = useCallback(() => setRecovered(undefined), [])

  // A frozen database that answers again is worth saying once: the audience saw it stop.
  useEffect(() => {
    if (!status) return
    if (status.notRespondingSince !== undefined) {
      silentSince.current ??= status.notRespondingSince
      setRecovered(undefined)
    } else if (silentSince.current !== undefined && status.running) {
      setRecovered({ downMs: Math.max(0, Date.now() - Date.parse(silentSince.current)) })
      silentSince.current = undefined
    }
  }, [status, setRecovered])

  const refresh = useCallback(async () => {
    const mine = ++request.current
    try {
      const next = await client.call('db/status', {})
      if (mine !== request.current) return
      setStatus(next)
      setError(undefined)
    } catch (e) {
      if (mine !== request.current) return
      setError(errorMessage(e))
    }
  }, [client])

  useEffect(
    () =>
      client.on('db/status', (next) => {
        request.current++
        setStatus(next)
        setError(undefined)
      }),
    [client],
  )

  const connection = useConnectionState()
  useEffect(() => {
    if (connection === 'open' || connection === 'closed') void refresh()
  }, [connection, refresh])

  const healthy = status?.running === true && error === undefined
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const tick = async () => {
      await refresh()
      if (!stopped) timer = setTimeout(() => void tick(), healthy ? slowPollMs : fastPollMs)
    }
    void tick()
    return () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [refresh, healthy, fastPollMs, slowPollMs])

  return <DbStatusContext.Provider value={{ status, error, since, refresh, recovered, dismissRecovered }}>{children}</DbStatusContext.Provider>
}
