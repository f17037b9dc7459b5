import { Fragment, memo, useEffect, useRef, useState } from 'react'
import type { MigrationEvent, MigrationGrid } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import { ProgressBar } from '../components/progress-bar.tsx'
import { Empty, ErrorMessage, Loading } from '../components/states.tsx'
import { TenantBadge } from '../components/tenant-badge.tsx'
import { errorMessage } from '../lib/format.ts'
import { useCallQuery } from '../data/queries.ts'
import { useWorkspace } from '../workspace.tsx'
import { MigrationRunsTimeline } from './migration-runs.tsx'
import {
  IDLE,
  applyMigrationEvent,
  finishedCount,
  overallPercent,
  schemaPercent,
  withReport,
  type RunProgress,
  type SchemaProgress,
} from './migration-progress.ts'

/** The tenant × migration grid, a Run button, and live progress per tenant and overall. */
export function MigrationsView() {
  const client = useClient()
  const { reloadTenants } = useWorkspace()
  const grid = useCallQuery('migrations/status', {})
  const [progress, setProgress] = useState<RunProgress>(IDLE)
  const [busy, setBusy] = useState(false)

  // A run over many tenants sends a burst of events: fold them as they come, render once per frame.
  const queue = useRef<MigrationEvent[]>([])
  const frame = useRef<number | undefined>(undefined)
  useEffect(() => {
    const flush = () => {
      frame.current = undefined
      const events = queue.current
      queue.current = []
      setProgress((p) => events.reduce(applyMigrationEvent, p))
    }
    const unsubscribe = client.on('migrations/progress', (event) => {
      queue.current.push(event)
      if (frame.current === undefined) frame.current = requestAnimationFrame(flush)
    })
    return () => {
      unsubscribe()
      if (frame.current !== undefined) cancelAnimationFrame(frame.current)
    }
  }, [client])

  const run = async (schema?: string) => {
    setBusy(true)
    setProgress((p) => {
      if (schema === undefined) return { phase: 'running', total: undefined, schemas: {} }
      const { [schema]: _retried, ...others } = p.schemas
      return { phase: 'running', total: 1, schemas: others, only: schema }
    })
    try {
      const report = await client.call('migrations/run', schema === undefined ? {} : { schema })
      setProgress((p) => withReport(p, report))
    } catch (error) {
      setProgress((p) => ({ ...p, phase: 'error', error: errorMessage(error) }))
    } finally {
      setBusy(false)
      grid.reload()
      void reloadTenants()
    }
  }

  const pendingCount = grid.data ? grid.data.tenants.reduce((n, t) => n + t.pending.length, 0) + grid.data.sharedPending.length : 0
  const failures = Object.entries(progress.schemas).filter(([, s]) => s.state === 'failed')
  const overall = overallPercent(progress)
  const running = busy || progress.phase === 'running' || progress.phase === 'waiting'

  return (
    <section className="view" aria-labelledby="migrations-title" data-testid="migrations-view">
      <header className="view__header">
        <h2 id="migrations-title">Migrations</h2>
        {grid.data && (
          <span className="view__summary" data-testid="migrations-pending-count">
            {pendingCount === 0 ? 'Everything is up to date' : `${pendingCount} pending`}
          </span>
        )}
        <button type="button" className="button button--primary view__action" onClick={() => void run()} disabled={running} data-testid="migrations-run">
          {running ? 'Running…' : 'Run migrations'}
        </button>
      </header>

      {progress.phase !== 'idle' && (
        <div className="card run-card" data-testid="migrations-run-status">
          <div className="run-card__line">
            <strong>
              {progress.phase === 'waiting'
                ? `Waiting for another migrator (${progress.waitingFor ?? 'unknown'})…`
                : progress.phase === 'running'
                  ? 'Migrating…'
                  : progress.phase === 'error'
                    ? 'The run failed'
                    : failures.length > 0
                      ? `Finished with ${failures.length} failed ${failures.length === 1 ? 'tenant' : 'tenants'}`
                      : 'Finished'}
            </strong>
            <span className="run-card__count" data-testid="migrations-overall-label">
              {finishedCount(progress)} / {progress.total ?? '…'} tenants · {Math.round(overall)}%
              {progress.report ? ` · ${progress.report.counts.applied} applied in ${Math.round(progress.report.durationMs)} ms` : ''}
            </span>
          </div>
          <ProgressBar
            value={overall}
            label="Overall migration progress"
            tone={failures.length > 0 ? 'failed' : progress.phase === 'done' ? 'done' : 'normal'}
            size="large"
            testId="migrations-overall-progress"
          />
          {progress.report?.shared?.status === 'failed' && (
            <ErrorMessage title="Shared migrations failed." message={progress.report.shared.message ?? 'unknown error'} />
          )}
          {progress.error && <ErrorMessage title="Could not run migrations." message={progress.error} />}
        </div>
      )}

      {failures.length > 0 && (
        <div className="failures" data-testid="migration-failures">
          {failures.map(([schema, s]) => (
            <div key={schema} className="alert alert--error" role="alert" data-testid="migration-failure" data-schema={schema}>
              <div>
                <strong className="alert__title">
                  {schema}
                  {s.migration ? ` · ${s.migration}` : ''}
                </strong>
                <span className="alert__message">{s.message}</span>
              </div>
              <button type="button" className="button button--small" disabled={running} onClick={() => void run(schema)}>
                Retry
              </button>
            </div>
          ))}
        </div>
      )}

      <MigrationRunsTimeline
        busy={running}
        onChanged={() => {
          grid.reload()
          void reloadTenants()
        }}
      />

      {grid.error !== undefined ? (
        <ErrorMessage title="Could not read migration status." message={grid.error} onRetry={grid.reload} />
      ) : !grid.data ? (
        <Loading label="Reading migration status…" />
      ) : grid.data.tenants.length === 0 ? (
        <Empty>No tenants yet, so no tenant migrations to show.</Empty>
      ) : (
        <MigrationGridTable grid={grid.data} progress={progress} />
      )}
    </section>
  )
}

function MigrationGridTable({ grid, progress }: { grid: MigrationGrid; progress: RunProgress }) {
  return (
    <div className="table-wrap">
      <table className="table migration-grid" data-testid="migration-grid">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            {grid.migrations.map((m) => (
              <th key={m} scope="col" className="migration-grid__migration">
                <span className="mono">{m}</span>
              </th>
            ))}
            <th scope="col" className="migration-grid__progress">
              Progress
            </th>
          </tr>
        </thead>
        <tbody>
          {grid.sharedPending.length > 0 && (
            <tr>
              <th scope="row">
                <span className="mono">public</span> (shared)
              </th>
              <td colSpan={grid.migrations.length + 1}>
                <span className="pill pill--info">{grid.sharedPending.length} shared pending</span> {grid.sharedPending.join(', ')}
              </td>
            </tr>
          )}
          {groupByType(grid).map(({ type, tenants }) => (
            <Fragment key={type?.name ?? ''}>
              {type && (
                <tr className="migration-grid__group" data-testid="migration-group" data-type={type.name}>
                  <th scope="rowgroup" colSpan={grid.migrations.length + 2}>
                    {type.label} <span className="muted">· {tenants.length} tenant{tenants.length === 1 ? '' : 's'} · {type.migrations.length} migrations</span>
                  </th>
                </tr>
              )}
              {tenants.map((tenant) => (
                <GridRow
                  key={tenant.schema}
                  tenant={tenant}
                  migrations={grid.migrations}
                  ofType={type?.migrations}
                  progress={progress.schemas[tenant.schema]}
                />
              ))}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * The grid's rows grouped by tenant type, in the project's order (a type no
 * tenant has is left out; a type the project does not declare comes last).
 * One type: a single group without a heading.
 */
export function groupByType(grid: MigrationGrid): { type: MigrationGrid['types'][number] | undefined; tenants: MigrationGrid['tenants'] }[] {
  if (grid.types.length <= 1) return [{ type: undefined, tenants: grid.tenants }]
  const known = new Set(grid.types.map((t) => t.name))
  const groups = grid.types.map((type) => ({ type, tenants: grid.tenants.filter((t) => t.type === type.name) }))
  const unknown = grid.tenants.filter((t) => !known.has(t.type))
  if (unknown.length > 0) groups.push({ type: { name: '?', label: 'Undeclared type', migrations: [] }, tenants: unknown })
  return groups.filter((g) => g.tenants.length > 0)
}

const GridRow = memo(function GridRow({
  tenant,
  migrations,
  ofType,
  progress,
}: {
  tenant: MigrationGrid['tenants'][number]
  migrations: string[]
  /** The migrations of the tenant's type, when the grid is grouped: the others do not apply to it. */
  ofType: string[] | undefined
  progress: SchemaProgress | undefined
}) {
  const applied = new Set(tenant.applied)
  const applies = ofType === undefined ? undefined : new Set(ofType)
  const pct = schemaPercent(progress)
  return (
    <tr data-testid="migration-row" data-schema={tenant.schema}>
      <th scope="row">
        <span className="grid-tenant">
          <TenantBadge name={tenant.name} schema={tenant.schema} />
          <span>
            <span className="table__strong">{tenant.name}</span> <span className="mono muted">{tenant.schema}</span>
          </span>
        </span>
      </th>
      {migrations.map((m) => {
        const state =
          progress?.state === 'failed' && progress.migration === m
            ? 'failed'
            : applied.has(m)
              ? 'applied'
              : applies && !applies.has(m)
                ? 'not-applicable'
                : 'pending'
        const title = state === 'not-applicable' ? `${m}: not a migration of type ${tenant.type}` : `${m}: ${state}`
        return (
          <td key={m} className={`cell cell--${state}`} data-state={state} title={title}>
            <span aria-hidden="true">{state === 'applied' ? '✓' : state === 'failed' ? '✕' : state === 'not-applicable' ? '–' : '○'}</span>
            <span className="visually-hidden">{state}</span>
          </td>
        )
      })}
      <td className="migration-grid__progress">
        {progress ? (
          <ProgressBar
            value={pct}
            label={`${tenant.schema} progress`}
            tone={progress.state === 'failed' ? 'failed' : progress.state === 'done' ? 'done' : 'normal'}
            testId="tenant-migration-progress"
          />
        ) : (
          <span className="muted">{tenant.pending.length === 0 ? 'up to date' : `${tenant.pending.length} pending`}</span>
        )}
      </td>
    </tr>
  )
})
