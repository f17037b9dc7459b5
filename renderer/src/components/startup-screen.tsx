import { useEffect, useState } from 'react'
import { useDbStatus } from '../db-status.tsx'
import { FormAlert } from './dialog-parts.tsx'

/**
 * Shown until the database answers: a first run's initdb takes a few seconds,
 * and the window says what it is waiting for instead of staying blank.
 */
export function StartupScreen() {
  const { status, error, since } = useDbStatus()
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500)
    return () => clearInterval(timer)
  }, [])
  const seconds = Math.max(0, Math.floor((now - since) / 1000))

  return (
    <div className="startup" data-testid="startup-screen">
      <div className="startup__card">
        <div className="startup__logo" aria-hidden="true">
          ◧
        </div>
        <h1>Schemata</h1>
        <div className="startup__status" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />{' '}
          {status?.error
            ? `Starting the database: ${status.error}`
            : status
              ? status.mode === 'embedded'
                ? 'Starting the embedded PostgreSQL… a first run initialises its data directory, which takes a few seconds.'
                : 'Connecting to PostgreSQL…'
              : 'Connecting to Schemata…'}
        </div>
        {status?.dataDir && (
          <p className="startup__detail">
            Data directory <code>{status.dataDir}</code>
          </p>
        )}
        <p className="startup__detail">{seconds > 0 ? `Waiting ${seconds} s` : ''}</p>
        <FormAlert message={error} testId="startup-error" />
      </div>
    </div>
  )
}
