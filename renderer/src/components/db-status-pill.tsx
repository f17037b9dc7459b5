import { useDbStatus } from '../db-status.tsx'

/** The sidebar's one-line database status; opens the Database view. */
export function DbStatusPill({ onClick }: { onClick: () => void }) {
  const { status, error } = useDbStatus()
  const frozen = status?.notRespondingSince !== undefined
  const state = error !== undefined || frozen ? 'error' : status?.running ? 'ok' : 'waiting'
  const label =
    error !== undefined
      ? 'Server unreachable'
      : frozen
        ? 'Database not responding'
        : !status
        ? 'Checking database…'
        : status.running
          ? `${status.mode === 'embedded' ? 'Embedded' : 'External'} PostgreSQL ${shortVersion(status.serverVersion)}`
          : 'Database starting…'
  return (
    <button type="button" className={`db-pill db-pill--${state}`} onClick={onClick} data-testid="db-status-pill" title="Database status">
      <span className="db-pill__dot" aria-hidden="true" />
      <span className="db-pill__text">
        {label}
        {status?.running && status.port !== null && (
          <span className="db-pill__where">
            {status.host ?? 'localhost'}:{status.port}
          </span>
        )}
      </span>
    </button>
  )
}

/** "18.1 (Debian 18.1-1)" → "18.1". */
export function shortVersion(version: string | null): string {
  if (!version) return ''
  return version.split(/\s/)[0] ?? version
}
