import { createContext, useContext, type ReactNode } from 'react'

/*
 * One alert per failure. When the Schemata server cannot be reached, every
 * call fails with the same cause at once — the status poll, the tenant list,
 * the open view — and each used to put up its own red banner saying the same
 * thing. The outage is said once, at the top (OutageAlert); an error whose
 * message carries the outage's cause folds into it and shows as a quiet
 * "waiting" line where it happened, which refills once the server is back.
 */

const OutageContext = createContext<string | undefined>(undefined)

/** Makes `cause` (the failure of the server as a whole, if any) the one alert the window shows for it. */
export function OutageProvider({ cause, children }: { cause: string | undefined; children: ReactNode }) {
  return <OutageContext.Provider value={cause}>{children}</OutageContext.Provider>
}

/** Whether `message` is the current outage said again (it then belongs to the one outage alert). */
export function useFoldedIntoOutage(message: string): boolean {
  const cause = useContext(OutageContext)
  return cause !== undefined && cause !== '' && message.includes(cause)
}

/** The outage, once: what failed, that the console reconnects by itself, and a way to try now. */
export function OutageAlert({ cause, onRetry }: { cause: string; onRetry: () => void }) {
  return (
    <div className="alert alert--error" role="alert" data-testid="outage-alert">
      <div>
        <strong className="alert__title">Lost contact with the Schemata server.</strong>
        <span className="alert__message">{cause}</span>
        <span className="alert__message muted"> The console reconnects by itself when it is back, to the tenant it was on.</span>
      </div>
      <button type="button" className="button button--small" onClick={onRetry}>
        Retry now
      </button>
    </div>
  )
}
