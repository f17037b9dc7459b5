import { useEffect, useMemo, useState } from 'react'
import type { ProbeResult, SchemaInfo } from '../../../contract/types.ts'
import { BlockedIcon, WarningIcon } from '../components/icons.tsx'
import { Empty, ErrorMessage, Loading } from '../components/states.tsx'
import { TenantBadge } from '../components/tenant-badge.tsx'
import { errorMessage } from '../lib/format.ts'
import { useCallQuery, useTenantCall, useTenantQuery } from '../data/queries.ts'
import { useScrollIntoView } from '../lib/scroll-into-view.ts'
import { useTenantColors } from '../tenant-colors.tsx'
import { useWorkspace } from '../workspace.tsx'

const SCHEMAS_SHOWN = 12

/**
 * What the database itself enforces: the schemas in the catalog, who the
 * session is inside the tenant's scope, and PostgreSQL refusing a read of
 * another tenant's table.
 */
export function SegregationView() {
  const { active } = useWorkspace()
  return (
    <section className="view view--segregation" aria-labelledby="segregation-title" data-testid="segregation-view">
      <header className="view__header">
        <h2 id="segregation-title">Segregation</h2>
        <p className="view__lede">
          Each tenant is a schema with its own role. Inside a tenant's scope every query runs as that role, with its schema first on the{' '}
          <code>search_path</code>, so PostgreSQL itself refuses anything outside it.
        </p>
      </header>
      {active ? (
        <div className="segregation__top">
          <SessionPanel />
          <ProbePanel />
        </div>
      ) : (
        <Empty>Pick a tenant to see its session and to probe another tenant's table.</Empty>
      )}
      <SchemasPanel />
    </section>
  )
}

function SessionPanel() {
  const session = useTenantQuery('inspect/session', {})
  return (
    <div className="card" data-testid="session-panel">
      <h3 className="card__title">Inside the scope</h3>
      {session.error !== undefined ? (
        <ErrorMessage message={session.error} onRetry={session.reload} />
      ) : !session.data ? (
        <Loading label="Reading the session…" />
      ) : (
        <dl className="facts">
          <dt>current_user</dt>
          <dd>
            <code data-testid="session-current-user">{session.data.currentUser}</code>
          </dd>
          <dt>session_user</dt>
          <dd>
            <code>{session.data.sessionUser}</code>
          </dd>
          <dt>search_path</dt>
          <dd>
            <code data-testid="session-search-path">{session.data.searchPath}</code>
          </dd>
          <dt>customers is</dt>
          <dd>
            <code data-testid="session-customers-table">{session.data.customersTable ?? '(not found)'}</code>
          </dd>
        </dl>
      )}
    </div>
  )
}

function ProbePanel() {
  const call = useTenantCall()
  const { tenants, active } = useWorkspace()
  const targets = useMemo(() => (tenants ?? []).filter((t) => t.schema !== active?.schema), [tenants, active])
  const [target, setTarget] = useState('')
  // Each answer remembers the tenant it was asked in, and shows only while that tenant is active.
  const [answer, setAnswer] = useState<{ tenant: string; result?: ProbeResult; error?: string } | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const result = answer?.tenant === active?.schema ? answer?.result : undefined
  const error = answer?.tenant === active?.schema ? answer?.error : undefined
  const outcome = useScrollIntoView<HTMLDivElement>(result)
  useEffect(() => {
    if (!targets.some((t) => t.schema === target)) setTarget(targets[0]?.schema ?? '')
  }, [targets, target])

  const probe = async () => {
    const askedIn = active?.schema ?? ''
    setBusy(true)
    setAnswer(undefined)
    try {
      // The server runs it in `askedIn` or refuses it (CONFLICT): the result is always that tenant's.
      setAnswer({ tenant: askedIn, result: await call('inspect/probe-cross-tenant', { target }) })
    } catch (e) {
      setAnswer({ tenant: askedIn, error: errorMessage(e) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="card" data-testid="probe-panel">
      <h3 className="card__title">Read another tenant's table</h3>
      {targets.length === 0 ? (
        <p className="muted">There is no other tenant to probe. Create a second tenant first.</p>
      ) : (
        <div className="probe__controls">
          <label className="probe__label" htmlFor="probe-target">
            From <code>{active?.schema}</code>, read
          </label>
          <select id="probe-target" className="input input--mono" value={target} onChange={(event) => setTarget(event.target.value)} data-testid="probe-target">
            {targets.map((t) => (
              <option key={t.schema} value={t.schema}>
                {t.schema}.customers
              </option>
            ))}
          </select>
          <button type="button" className="button button--primary" onClick={() => void probe()} disabled={busy || target === ''} data-testid="probe-run">
            {busy ? 'Trying…' : 'Try it'}
          </button>
        </div>
      )}
      {error && <ErrorMessage title="The probe itself failed." message={error} />}
      <div ref={outcome}>{result && <ProbeOutcome result={result} />}</div>
    </div>
  )
}

function ProbeOutcome({ result }: { result: ProbeResult }) {
  if (result.allowed) {
    return (
      <div className="probe-result probe-result--allowed" role="alert" data-testid="probe-result" data-allowed="true">
        <div className="probe-result__verdict">
          <WarningIcon /> The read succeeded — tenant isolation is broken
        </div>
        <pre className="probe-result__sql">{result.sql}</pre>
        <p>{result.message}</p>
      </div>
    )
  }
  return (
    <div className="probe-result probe-result--refused" role="alert" data-testid="probe-result" data-allowed="false">
      <div className="probe-result__verdict">
        <BlockedIcon /> Refused by PostgreSQL
      </div>
      <div className="probe-result__error">
        {result.sqlstate && (
          <span className="probe-result__sqlstate" data-testid="probe-sqlstate" title="SQLSTATE">
            {result.sqlstate}
          </span>
        )}
        <span className="probe-result__message" data-testid="probe-message">
          {result.message}
        </span>
      </div>
      <div className="probe-result__detail">
        <span>
          from tenant <code>{result.from}</code>, this statement:
        </span>
        <pre className="probe-result__sql">{result.sql}</pre>
      </div>
    </div>
  )
}

function SchemasPanel() {
  const { active } = useWorkspace()
  const schemas = useCallQuery('inspect/schemas', {})
  const [filter, setFilter] = useState('')
  const [showAll, setShowAll] = useState(false)

  const ordered = useMemo(() => {
    const rank = (s: SchemaInfo) => (s.name === active?.schema ? 0 : s.name === 'public' ? 1 : 2)
    const needle = filter.trim().toLowerCase()
    return [...(schemas.data ?? [])]
      .filter((s) => needle === '' || s.name.includes(needle) || (s.tenant ?? '').toLowerCase().includes(needle))
      .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
  }, [schemas.data, active, filter])
  const shown = showAll ? ordered : ordered.slice(0, SCHEMAS_SHOWN)

  return (
    <div className="schemas" data-testid="schemas-panel">
      <div className="schemas__header">
        <h3>Schemas in the database</h3>
        {schemas.data && schemas.data.length > SCHEMAS_SHOWN && (
          <input className="input" type="search" aria-label="Filter schemas" placeholder="Filter schemas…" value={filter} onChange={(e) => setFilter(e.target.value)} />
        )}
      </div>
      {schemas.error !== undefined ? (
        <ErrorMessage title="Could not read the catalog." message={schemas.error} onRetry={schemas.reload} />
      ) : !schemas.data ? (
        <Loading label="Reading the catalog…" />
      ) : ordered.length === 0 ? (
        <Empty>No schema matches.</Empty>
      ) : (
        <>
          <div className="schema-grid">
            {shown.map((schema) => (
              <SchemaCard key={schema.name} schema={schema} isActive={schema.name === active?.schema} />
            ))}
          </div>
          {ordered.length > shown.length && (
            <button type="button" className="button" onClick={() => setShowAll(true)}>
              Show all {ordered.length.toLocaleString('en-US')} schemas
            </button>
          )}
        </>
      )}
    </div>
  )
}

function rowsLabel(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'row' : 'rows'}`
}

function SchemaCard({ schema, isActive }: { schema: SchemaInfo; isActive: boolean }) {
  const colorOf = useTenantColors()
  const colors = schema.tenant !== null && schema.name !== 'public' ? colorOf(schema.name) : undefined
  return (
    <article
      className={`schema-card ${isActive ? 'schema-card--active' : ''} ${schema.name === 'public' ? 'schema-card--shared' : ''}`}
      style={isActive && colors ? { borderColor: colors.solid, background: colors.tint } : undefined}
      data-testid="schema-card"
      data-schema={schema.name}
      aria-current={isActive ? 'true' : undefined}
    >
      <header className="schema-card__head">
        {colors ? <TenantBadge name={schema.tenant ?? schema.name} schema={schema.name} /> : <span className="schema-card__icon">⌂</span>}
        <div>
          <div className="schema-card__name mono">{schema.name}</div>
          <div className="schema-card__meta">
            {schema.name === 'public' ? 'shared registry' : (schema.tenant ?? 'not a tenant')} · owner <code>{schema.owner}</code>
          </div>
        </div>
        {isActive && <span className="pill pill--active">active</span>}
      </header>
      {schema.tables.length === 0 ? (
        <p className="muted">No tables.</p>
      ) : (
        <ul className="schema-card__tables">
          {schema.tables.map((table) => (
            <li key={table.name}>
              <span className="mono">{table.name}</span>
              <span className="schema-card__rows" data-testid="schema-table-rows" data-exact={table.rows.exact} title={table.rows.exact ? 'counted exactly' : 'PostgreSQL’s estimate: the table is too big to count on every look'}>
                {table.rows.exact ? rowsLabel(table.rows.count) : `≈ ${rowsLabel(table.rows.count)} (estimate)`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </article>
  )
}
