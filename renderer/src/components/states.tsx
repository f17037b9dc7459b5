import type { ReactNode } from 'react'
import { useFoldedIntoOutage } from '../outage.tsx'

/** A loading line; announced politely so a screen reader knows something is coming. */
export function Loading({ label = 'Loading…', testId }: { label?: string; testId?: string }) {
  return (
    <div className="state state--loading" role="status" data-testid={testId}>
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  )
}

/** An empty result, said in words. */
export function Empty({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="state state--empty" data-testid={testId}>
      {children}
    </div>
  )
}

/** An error as a visible, announced message, with a retry where one makes sense — unless the window's outage alert already says it. */
export function ErrorMessage({ title, message, onRetry, testId }: { title?: string; message: string; onRetry?: () => void; testId?: string }) {
  if (useFoldedIntoOutage(message)) {
    return (
      <div className="state state--loading" role="status" data-testid={testId} data-folded="true">
        <span className="spinner" aria-hidden="true" /> Waiting for the server to come back…
      </div>
    )
  }
  return (
    <div className="alert alert--error" role="alert" data-testid={testId}>
      <div>
        {title && <strong className="alert__title">{title}</strong>}
        <span className="alert__message">{message}</span>
      </div>
      {onRetry && (
        <button type="button" className="button button--small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  )
}
