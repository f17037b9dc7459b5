import { useCallback, useEffect, useRef, useState } from 'react'
import { ContractError, type SchemataClient } from '../../../contract/contract.ts'
import type { ApiRequestLogEntry } from '../../../contract/types.ts'
import { errorMessage } from '../lib/format.ts'
import { StatusPill, TenantTag, viaLabel } from './requests-result.tsx'
import { Empty, ErrorMessage, Loading } from './states.tsx'

/** How many entries the live log keeps (the server's ring holds as many). */
export const LOG_CAPACITY = 200

/** `newer` before `older`, each id once, at most LOG_CAPACITY. */
export function mergeLog(newer: readonly ApiRequestLogEntry[], older: readonly ApiRequestLogEntry[]): ApiRequestLogEntry[] {
  const seen = new Set<string>()
  const out: ApiRequestLogEntry[] = []
  for (const entry of [...newer, ...older]) {
    if (seen.has(entry.id)) continue
    seen.add(entry.id)
    out.push(entry)
    if (out.length === LOG_CAPACITY) break
  }
  return out
}

export interface RequestLogState {
  entries: ApiRequestLogEntry[] | undefined
  error: string | undefined
  /** The calls failed because no tenant API server runs here (Electron without `schemata serve`). */
  unavailable: string | undefined
  /** Ids that arrived live (they flash once). */
  liveIds: ReadonlySet<string>
  reload: () => void
  /** Adds an entry this window already has (the panel's own request), in case its event is late or lost. */
  add: (entry: ApiRequestLogEntry) => void
  /** Marks the tenant API as not running here (a send was refused with NOT_FOUND). */
  markUnavailable: (message: string) => void
}

/** True for the error a `requests/*` call fails with where no tenant API server runs. */
export function isServerMissing(error: unknown): boolean {
  return error instanceof ContractError && error.code === 'NOT_FOUND'
}

/**
 * The recent tenant API requests: `requests/log` once, then every
 * `requests/logged` event prepended. Events that arrive while the first list
 * is on its way are kept and merged in, so none is lost between the two.
 */
export function useRequestLog(client: SchemataClient): RequestLogState {
  const [entries, setEntries] = useState<ApiRequestLogEntry[] | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [unavailable, setUnavailable] = useState<string | undefined>(undefined)
  const [nonce, setNonce] = useState(0)
  const liveIds = useRef(new Set<string>())

  useEffect(() => {
    let current = true
    let loaded = false
    const early: ApiRequestLogEntry[] = []
    const unsubscribe = client.on('requests/logged', (entry) => {
      liveIds.current.add(entry.id)
      if (liveIds.current.size > LOG_CAPACITY * 2) liveIds.current = new Set([...liveIds.current].slice(-LOG_CAPACITY))
      if (!loaded) early.unshift(entry)
      else setEntries((previous) => mergeLog([entry], previous ?? []))
    })
    setError(undefined)
    client.call('requests/log', { limit: LOG_CAPACITY }).then(
      (initial) => {
        if (!current) return
        loaded = true
        setUnavailable(undefined)
        setEntries((previous) => mergeLog(early, mergeLog(previous ?? [], initial)))
      },
      (failure: unknown) => {
        if (!current) return
        if (isServerMissing(failure)) setUnavailable(errorMessage(failure))
        else setError(errorMessage(failure))
      },
    )
    return () => {
      current = false
      unsubscribe()
    }
  }, [client, nonce])

  const reload = useCallback(() => setNonce((n) => n + 1), [])
  const add = useCallback((entry: ApiRequestLogEntry) => setEntries((previous) => (previous === undefined ? previous : mergeLog([entry], previous))), [])
  const markUnavailable = useCallback((message: string) => setUnavailable(message), [])
  return { entries, error, unavailable, liveIds: liveIds.current, reload, add, markUnavailable }
}

const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hour12: false })

function formatTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : clock.format(date)
}

/** The live log of tenant API requests, newest first. */
export function RequestLogTable({
  log,
  tenantName,
  curlHint,
}: {
  log: RequestLogState
  tenantName: (schema: string) => string | undefined
  curlHint: string
}) {
  const { entries } = log
  return (
    <section className="card requests-log" aria-labelledby="requests-log-title" data-testid="requests-log">
      <header className="requests-log__header">
        <h3 id="requests-log-title" className="card__title">
          Live log
        </h3>
        {entries && (
          <span className="view__count" data-testid="requests-log-count">
            {entries.length}
          </span>
        )}
        <span className="requests-log__note">Every tenant API request this server answers — from this panel, a browser or curl.</span>
      </header>
      {log.unavailable !== undefined ? (
        <Empty testId="requests-log-unavailable">The live log needs the tenant API server (see above).</Empty>
      ) : log.error !== undefined ? (
        <ErrorMessage title="Could not load the request log." message={log.error} onRetry={log.reload} testId="requests-log-error" />
      ) : entries === undefined ? (
        <Loading label="Loading recent requests…" testId="requests-log-loading" />
      ) : entries.length === 0 ? (
        <Empty testId="requests-log-empty">
          <p>No API requests yet.</p>
          <p>
            Send one above, or try <code>{curlHint}</code>
          </p>
        </Empty>
      ) : (
        <div className="table-wrap requests-log__wrap">
          <table className="table requests-log__table" data-testid="requests-log-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Method</th>
                <th scope="col">Host</th>
                <th scope="col">Path</th>
                <th scope="col">Tenant</th>
                <th scope="col">Status</th>
                <th scope="col" className="table__num">
                  ms
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr
                  key={entry.id}
                  className={log.liveIds.has(entry.id) ? 'requests-log__row--live' : undefined}
                  data-testid="requests-log-row"
                  data-id={entry.id}
                  data-tenant={entry.tenant ?? ''}
                  data-status={entry.status}
                  data-host={entry.host}
                  data-path={entry.path}
                >
                  <td className="mono requests-log__time">{formatTime(entry.time)}</td>
                  <td className="mono requests-log__method">{entry.method}</td>
                  <td className="mono requests-log__host" title={entry.host}>
                    {entry.host}
                  </td>
                  <td className="mono requests-log__path" title={entry.path}>
                    {entry.path}
                  </td>
                  <td title={entry.via ? `via ${viaLabel(entry.via)}` : undefined}>
                    <TenantTag schema={entry.tenant} name={entry.tenant === null ? undefined : tenantName(entry.tenant)} />
                  </td>
                  <td>
                    <StatusPill status={entry.status} />
                  </td>
                  <td className="table__num mono">{entry.ms.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
