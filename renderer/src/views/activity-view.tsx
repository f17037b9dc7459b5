import { useState } from 'react'
import type { ActivityMetric, ActivityOverview, StatementStatsStatus, TenantActivityRow } from '../../../contract/activity-types.ts'
import { Sparkline } from '../components/sparkline.tsx'
import { Empty, ErrorMessage, Loading } from '../components/states.tsx'
import { TenantBadge } from '../components/tenant-badge.tsx'
import { useCallQuery } from '../data/queries.ts'
import { formatBytes } from '../lib/format.ts'
import '../styles/activity.css'

/** How often the view asks; the server samples on its own clock (2 s) while someone watches. */
const REFRESH_MS = 2000

const METRICS: { id: ActivityMetric; label: string }[] = [
  { id: 'time', label: 'Time' },
  { id: 'calls', label: 'Calls' },
  { id: 'size', label: 'Size' },
]
const WINDOWS = [
  { seconds: 60, label: '1 min' },
  { seconds: 300, label: '5 min' },
  { seconds: 600, label: '10 min' },
]
const THRESHOLDS = [0.25, 0.5, 0.75]

function number(n: number, digits = 1): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US')
  return String(Number(n.toFixed(n < 1 && n > 0 ? 2 : digits)))
}

function ms(n: number): string {
  return n >= 1000 ? `${number(n / 1000)} s` : `${number(n)} ms`
}

function metricValue(row: TenantActivityRow, metric: ActivityMetric): string {
  if (metric === 'size') return formatBytes(row.sizes.totalBytes)
  if (metric === 'time') return ms(row.window.timeMs)
  return `${number(row.window.calls, 0)} calls`
}

function growth(bytes: number): string {
  if (bytes === 0) return '±0'
  return `${bytes > 0 ? '+' : '−'}${formatBytes(Math.abs(bytes))}`
}

function StatsNotice({ status }: { status: StatementStatsStatus }) {
  if (!status.available) {
    return (
      <div className="alert alert--warning" role="status" data-testid="activity-stats-off">
        <div>
          <strong className="alert__title">Statement statistics are off; sizes and sessions are still shown.</strong>
          <span className="alert__message">{status.message}</span>
        </div>
      </div>
    )
  }
  const notes = [
    !status.queryText && 'statement texts are hidden: the login lacks pg_read_all_stats',
    status.evicted > 0 && `${status.evicted} statistics entries were evicted since the last reset (raise pg_stat_statements.max): figures may be low`,
  ].filter((note): note is string => typeof note === 'string')
  return notes.length === 0 ? null : (
    <div className="alert alert--warning" role="status">
      <span className="alert__message">{notes.join('; ')}</span>
    </div>
  )
}

/**
 * What each tenant costs the server over the last minutes: ranked by
 * statement time, calls or size, with a sparkline per tenant and a marker on
 * noisy neighbours. A row opens that tenant's top statements.
 */
export function ActivityView() {
  const [rankBy, setRankBy] = useState<ActivityMetric>('time')
  const [windowSeconds, setWindowSeconds] = useState(300)
  const [noisyShare, setNoisyShare] = useState(0.5)
  const [selected, setSelected] = useState<string | null>(null)
  const overview = useCallQuery('activity/overview', { rankBy, windowSeconds, noisyShare }, { refetchInterval: REFRESH_MS })

  if (selected !== null) return <TenantActivity schema={selected} onBack={() => setSelected(null)} />

  return (
    <section className="view" aria-labelledby="activity-title" data-testid="activity-view">
      <header className="view__header">
        <h2 id="activity-title">Activity</h2>
        {overview.data && <span className="view__summary">{summary(overview.data)}</span>}
      </header>
      <div className="activity__controls">
        <div className="segmented" role="radiogroup" aria-label="Rank tenants by">
          {METRICS.map((m) => (
            <button
              key={m.id}
              type="button"
              role="radio"
              aria-checked={rankBy === m.id}
              className={`segmented__option ${rankBy === m.id ? 'segmented__option--on' : ''}`}
              onClick={() => setRankBy(m.id)}
              data-testid={`activity-rank-${m.id}`}
            >
              {m.label}
            </button>
          ))}
        </div>
        <label className="activity__select">
          Window
          <select className="input" value={windowSeconds} onChange={(e) => setWindowSeconds(Number(e.target.value))} data-testid="activity-window">
            {WINDOWS.map((w) => (
              <option key={w.seconds} value={w.seconds}>
                last {w.label}
              </option>
            ))}
          </select>
        </label>
        <label className="activity__select">
          Noisy above
          <select className="input" value={noisyShare} onChange={(e) => setNoisyShare(Number(e.target.value))} data-testid="activity-threshold">
            {THRESHOLDS.map((t) => (
              <option key={t} value={t}>
                {Math.round(t * 100)} % of the total
              </option>
            ))}
          </select>
        </label>
      </div>
      {overview.error !== undefined && <ErrorMessage title="Could not read the activity." message={overview.error} onRetry={overview.reload} />}
      {overview.data ? (
        <>
          <StatsNotice status={overview.data.statementStats} />
          <ActivityTable overview={overview.data} onOpen={setSelected} />
        </>
      ) : (
        overview.error === undefined && <Loading label="Sampling pg_stat_statements, sizes and sessions…" />
      )}
    </section>
  )
}

function summary(o: ActivityOverview): string {
  const covered = o.windowMs < 1000 ? 'collecting the first interval…' : `over the last ${Math.round(o.windowMs / 1000)} s`
  return `${o.tenantCount} ${o.tenantCount === 1 ? 'tenant' : 'tenants'}, ${covered}, sampled every ${o.intervalMs / 1000} s`
}

function ActivityTable({ overview, onOpen }: { overview: ActivityOverview; onOpen: (schema: string) => void }) {
  if (overview.tenants.length === 0) return <Empty testId="activity-empty">No tenants yet.</Empty>
  const metric = overview.rankBy
  const sparkLabel = metric === 'size' ? 'size at each sample' : metric === 'time' ? 'statement time per interval' : 'calls per interval'
  return (
    <div className="table-wrap">
      <table className="table activity-table" data-testid="activity-table">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Trend</th>
            <th scope="col" className="table__num">{METRICS.find((m) => m.id === metric)?.label}</th>
            <th scope="col">Share</th>
            <th scope="col" className="table__num">Sessions</th>
            <th scope="col" className="table__num">Size (growth)</th>
          </tr>
        </thead>
        <tbody>
          {overview.tenants.map((row) => {
            const hits = row.window.sharedBlocksHit + row.window.sharedBlocksRead
            return (
              <tr
                key={row.schema}
                className={`activity-row ${row.noisy ? 'activity-row--noisy' : ''}`}
                data-testid="activity-row"
                data-schema={row.schema}
                data-noisy={row.noisy}
                onClick={() => onOpen(row.schema)}
              >
                <td>
                  <button
                    type="button"
                    className="activity-row__tenant"
                    onClick={(event) => {
                      event.stopPropagation()
                      onOpen(row.schema)
                    }}
                    title={`${row.window.rows.toLocaleString('en-US')} rows, ${row.window.sharedBlocksRead.toLocaleString('en-US')} blocks read, ${row.window.tempBlocks.toLocaleString('en-US')} temp blocks — open top statements`}
                    data-testid="activity-open"
                  >
                    <TenantBadge name={row.name} schema={row.schema} />
                    <span className="activity-row__names">
                      <span className="table__strong">{row.name}</span>
                      <span className="mono muted">{row.schema}</span>
                      {row.noisy && (
                        <span className="pill pill--warning activity-row__noisy" data-testid="noisy-marker" title={`More than ${Math.round(overview.noisyShare * 100)} % of all tenants' ${metric}`}>
                          Noisy neighbour
                        </span>
                      )}
                    </span>
                  </button>
                </td>
                <td>
                  <Sparkline values={row.series} label={`${row.schema}: ${sparkLabel}`} tone={row.noisy ? 'hot' : 'normal'} width={80} />
                </td>
                <td className="table__num">
                  <span className="table__strong" data-testid="activity-metric">
                    {metricValue(row, metric)}
                  </span>
                  <span className="activity-row__detail muted">
                    {[
                      metric === 'calls' ? ms(row.window.timeMs) : `${number(row.window.calls, 0)} calls`,
                      row.meanTimeMs === null ? undefined : `mean ${ms(row.meanTimeMs)}`,
                      hits > 0 ? `${number((row.window.sharedBlocksHit / hits) * 100)} % cache hit` : undefined,
                    ]
                      .filter((part) => part !== undefined)
                      .join(' · ')}
                  </span>
                </td>
                <td>
                  <span className="share" title={`${(row.share * 100).toFixed(1)} %`}>
                    <span className="share__bar" style={{ width: `${Math.round(row.share * 100)}%` }} />
                    <span className="share__label">{Math.round(row.share * 100)} %</span>
                  </span>
                </td>
                <td className="table__num" title={`${row.sessions.active} active, ${row.sessions.idleInTransaction} idle in transaction, ${row.sessions.waiting} waiting`}>
                  {row.sessions.total}
                </td>
                <td className="table__num" title={`tables ${formatBytes(row.sizes.tableBytes)}, indexes ${formatBytes(row.sizes.indexBytes)}, TOAST ${formatBytes(row.sizes.toastBytes)}`}>
                  {formatBytes(row.sizes.totalBytes)} <span className="muted">({growth(row.growthBytes)})</span>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {overview.tenantCount > overview.tenants.length && (
        <p className="muted activity__more">The top {overview.tenants.length} of {overview.tenantCount} tenants.</p>
      )}
    </div>
  )
}

/** One tenant: its most expensive statements, its sizes, the sessions working for it now. */
function TenantActivity({ schema, onBack }: { schema: string; onBack: () => void }) {
  const detail = useCallQuery('activity/tenant', { schema }, { refetchInterval: REFRESH_MS * 2 })
  const d = detail.data
  return (
    <section className="view" aria-labelledby="activity-tenant-title" data-testid="activity-tenant">
      <header className="view__header">
        <button type="button" className="button button--small" onClick={onBack} data-testid="activity-back">
          ← All tenants
        </button>
        <h2 id="activity-tenant-title">{d ? `${d.name} (${d.schema})` : schema}</h2>
        {d?.totals && (
          <span className="view__summary">
            {number(d.totals.calls, 0)} calls, {ms(d.totals.timeMs)} since the statistics were reset
          </span>
        )}
      </header>
      {detail.error !== undefined && <ErrorMessage title="Could not read this tenant's activity." message={detail.error} onRetry={detail.reload} />}
      {!d ? (
        detail.error === undefined && <Loading />
      ) : (
        <>
          <StatsNotice status={d.statementStats} />
          <div className="card">
            <h3 className="card__title">Top statements</h3>
            {d.statements.length === 0 ? (
              <Empty testId="activity-no-statements">{d.statementStats.available ? 'No statements recorded for this tenant yet.' : 'Not available without pg_stat_statements.'}</Empty>
            ) : (
              <div className="table-wrap">
                <table className="table statements-table" data-testid="top-statements">
                  <thead>
                    <tr>
                      <th scope="col">Statement</th>
                      <th scope="col" className="table__num">Calls</th>
                      <th scope="col" className="table__num">Total</th>
                      <th scope="col" className="table__num">Mean</th>
                      <th scope="col" className="table__num">Rows</th>
                      <th scope="col" className="table__num" title="shared blocks read from disk (not the cache) · temporary-file blocks">
                        Read · temp
                      </th>
                      <th scope="col">Share</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.statements.map((s, i) => (
                      <tr key={s.queryId ?? i} data-testid="top-statement">
                        <td>
                          <code className="statement" title={s.query}>
                            {s.query}
                          </code>
                        </td>
                        <td className="table__num">{number(s.calls, 0)}</td>
                        <td className="table__num">{ms(s.timeMs)}</td>
                        <td className="table__num">{ms(s.meanTimeMs)}</td>
                        <td className="table__num">{number(s.rows, 0)}</td>
                        <td className="table__num" title={`${s.sharedBlocksHit.toLocaleString('en-US')} blocks from the cache`}>
                          {number(s.sharedBlocksRead, 0)} · {number(s.tempBlocks, 0)}
                        </td>
                        <td>
                          <span className="share">
                            <span className="share__bar" style={{ width: `${Math.round(s.share * 100)}%` }} />
                            <span className="share__label">{Math.round(s.share * 100)} %</span>
                          </span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
          <div className="activity__pair">
            <div className="card">
              <h3 className="card__title">Size</h3>
              <dl className="facts" data-testid="activity-sizes">
                <dt>Tables</dt>
                <dd>{formatBytes(d.sizes.tableBytes)}</dd>
                <dt>Indexes</dt>
                <dd>{formatBytes(d.sizes.indexBytes)}</dd>
                <dt>TOAST</dt>
                <dd>{formatBytes(d.sizes.toastBytes)}</dd>
                <dt>Total</dt>
                <dd className="table__strong">{formatBytes(d.sizes.totalBytes)}</dd>
              </dl>
            </div>
            <div className="card">
              <h3 className="card__title">Live sessions</h3>
              {d.sessions.length === 0 ? (
                <Empty testId="activity-no-sessions">No backend is working for this tenant right now.</Empty>
              ) : (
                <ul className="sessions" data-testid="activity-sessions">
                  {d.sessions.map((s) => (
                    <li key={s.pid}>
                      <span className="mono">pid {s.pid}</span> · {s.state}
                      {s.waitEvent ? ` · waiting on ${s.waitEvent}` : ''} · {s.user}
                      <code className="statement">{s.query}</code>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  )
}
