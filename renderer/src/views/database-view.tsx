import { useDbStatus } from '../db-status.tsx'
import { ErrorMessage, Loading } from '../components/states.tsx'

/** Where the data lives: embedded or external PostgreSQL, its version, address and data directory. */
export function DatabaseView() {
  const { status, error, refresh } = useDbStatus()
  return (
    <section className="view" aria-labelledby="database-title" data-testid="database-view">
      <header className="view__header">
        <h2 id="database-title">Database</h2>
        <button type="button" className="button view__action" onClick={() => void refresh()}>
          Refresh
        </button>
      </header>
      {error !== undefined && <ErrorMessage title="Could not read the database status." message={error} onRetry={() => void refresh()} />}
      {!status ? (
        error === undefined && <Loading label="Reading the database status…" />
      ) : (
        <div className="card">
          <div className={`db-state db-state--${status.running ? 'ok' : 'down'}`} data-testid="db-running">
            <span className="db-pill__dot" aria-hidden="true" />
            {status.running ? 'Running' : status.notRespondingSince !== undefined ? 'Not responding' : 'Not running'}
          </div>
          {status.error && <ErrorMessage title="The database reports a problem." message={status.error} />}
          <dl className="facts facts--wide" data-testid="db-status">
            <dt>Mode</dt>
            <dd data-testid="db-mode">{status.mode === 'embedded' ? 'Embedded PostgreSQL (managed by Schemata)' : 'External PostgreSQL (DATABASE_URL)'}</dd>
            <dt>Server version</dt>
            <dd data-testid="db-version">{status.serverVersion ?? '—'}</dd>
            <dt>Address</dt>
            <dd className="mono" data-testid="db-address">
              {status.host ?? '—'}:{status.port ?? '—'}
            </dd>
            <dt>Database</dt>
            <dd className="mono">{status.database ?? '—'}</dd>
            <dt>User</dt>
            <dd className="mono">{status.user ?? '—'}</dd>
            {status.mode === 'embedded' && (
              <>
                <dt>Data directory</dt>
                <dd className="mono" data-testid="db-data-dir">
                  {status.dataDir ?? '—'}
                </dd>
              </>
            )}
          </dl>
        </div>
      )}
    </section>
  )
}
