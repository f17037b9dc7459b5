import { useEffect, useMemo, useState } from 'react'
import type { GridColumn } from '../../../contract/data-grid.ts'
import type { FanOutTenantReport } from '../../../contract/sql-console.ts'
import { DataGrid } from '../components/data-grid/data-grid.tsx'
import { ProgressBar } from '../components/progress-bar.tsx'
import { TenantBadge } from '../components/tenant-badge.tsx'
import { formatCount } from '../components/data-grid/cell-format.ts'
import { downloadResult } from './result-export.ts'
import { fanOutCounts, type FanOutState } from './use-fan-out.ts'
import { FormAlert } from '../components/dialog-parts.tsx'

const TENANT_COLUMN: GridColumn = { name: 'tenant', type: 'text', kind: 'text' }
const FORMATS = ['csv', 'json'] as const

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

/** Elapsed time of a running fan-out, ticking; the server's figure once it ended. */
function useElapsed(state: FanOutState): number {
  const ended = state.summary !== undefined || state.error !== undefined
  const [now, setNow] = useState(() => performance.now())
  useEffect(() => {
    if (ended) return
    const timer = setInterval(() => setNow(performance.now()), 250)
    return () => clearInterval(timer)
  }, [ended])
  return state.summary?.ms ?? Math.max(state.progress.elapsedMs, Math.round(now - state.started))
}

function TenantReport({ report, name }: { report: FanOutTenantReport; name: string }) {
  return (
    <li className={`fan-out-tenant ${report.ok ? '' : 'fan-out-tenant--failed'}`} data-testid="fan-out-tenant" data-schema={report.schema} data-ok={report.ok}>
      <TenantBadge name={name} schema={report.schema} />
      <span className="fan-out-tenant__schema">{report.schema}</span>
      <span className="fan-out-tenant__ms" data-testid="fan-out-tenant-ms">
        {Math.round(report.ms)} ms
      </span>
      {report.ok ? (
        <span className="fan-out-tenant__rows">
          {report.rowCount === null || report.rowCount === undefined ? `${report.rowsShown ?? 0} rows` : `${report.command ?? ''} ${formatCount(report.rowCount)}`.trim()}
        </span>
      ) : (
        <span className="fan-out-tenant__error" data-testid="fan-out-tenant-error">
          {report.error?.sqlState ? `${report.error.sqlState} ` : ''}
          {report.error?.message}
        </span>
      )}
    </li>
  )
}

/**
 * A fan-out's progress (done / failed / remaining, elapsed), its merged rows
 * in one grid with the tenant first as a colour badge, and each tenant's
 * timing or error in a side list (failures first).
 */
export function FanOutResults({ state, names, onCancel }: { state: FanOutState; names: ReadonlyMap<string, string>; onCancel: () => void }) {
  const counts = fanOutCounts(state)
  const elapsed = useElapsed(state)
  const ended = state.summary !== undefined || state.error !== undefined
  const columns = useMemo(() => [TENANT_COLUMN, ...(state.columns ?? [])], [state.columns])
  const reports = useMemo(() => [...state.tenants.filter((t) => !t.ok), ...state.tenants.filter((t) => t.ok)], [state.tenants])
  const percent = counts.total === 0 ? (ended ? 100 : 0) : (counts.done / counts.total) * 100
  const tone = !ended ? 'normal' : counts.failed > 0 || state.error !== undefined ? 'failed' : 'done'
  return (
    <section className="fan-out" data-testid="fan-out" data-state={ended ? (state.summary?.cancelled ? 'cancelled' : 'done') : 'running'}>
      <div className="fan-out__head">
        <ProgressBar value={percent} label="Tenants done" tone={tone} testId="fan-out-progress" />
        <p className="fan-out__counts" data-testid="fan-out-counts" aria-live="polite">
          <span data-testid="fan-out-done">{formatCount(counts.done)}</span> of {formatCount(counts.total)} done ·{' '}
          <span data-testid="fan-out-failed">{formatCount(counts.failed)}</span> failed · <span data-testid="fan-out-remaining">{formatCount(counts.remaining)}</span>{' '}
          remaining · <span data-testid="fan-out-elapsed">{seconds(elapsed)}</span>
          {state.summary?.cancelled && (
            <span data-testid="fan-out-cancelled">
              {' '}
              · cancelled{state.summary.skipped > 0 ? `, ${formatCount(state.summary.skipped)} not started` : ''}
            </span>
          )}
        </p>
        {!ended && (
          <button type="button" className="button button--small button--danger" onClick={onCancel} data-testid="fan-out-cancel">
            Cancel the rest
          </button>
        )}
      </div>
      <FormAlert message={state.error} testId="fan-out-error" />
      <div className="fan-out__body">
        <DataGrid
          columns={columns}
          rows={state.rows}
          label="Results from every tenant"
          testId="fan-out-grid"
          loading={!ended && state.rows.length === 0}
          empty={ended ? 'No rows.' : 'Waiting for the first tenant…'}
          renderValue={(column, value) =>
            column === TENANT_COLUMN ? (
              <span className="fan-out-cell-tenant" data-testid="fan-out-cell-tenant" data-schema={value}>
                <TenantBadge name={names.get(value) ?? value} schema={value} />
                {value}
              </span>
            ) : undefined
          }
          exporting={{ formats: FORMATS, onExport: (format) => downloadResult(format, 'fan-out', columns, state.rows) }}
        />
        <aside className="fan-out__tenants" aria-label="Tenants">
          <ul data-testid="fan-out-tenants">
            {reports.map((report) => (
              <TenantReport key={report.schema} report={report} name={names.get(report.schema) ?? report.schema} />
            ))}
          </ul>
        </aside>
      </div>
    </section>
  )
}
