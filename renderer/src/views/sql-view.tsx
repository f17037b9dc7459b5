import { useMemo, useRef, useState } from 'react'
import type { FanOutTargetList, FanOutTargets } from '../../../contract/sql-console.ts'
import { DEFAULT_RESULT_PAGE } from '../../../contract/sql-console.ts'
import { destructiveReason, statementAt } from '../../../contract/sql-text.ts'
import type { TenantInfo } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { modifierLabel } from '../lib/platform.ts'
import { ConfirmDestructiveDialog, ConfirmFanOutWriteDialog } from '../sql/confirm-dialogs.tsx'
import { FanOutResults } from '../sql/fan-out-results.tsx'
import { SqlEditor, type SqlEditorHandle, type SqlMark } from '../sql/sql-editor.tsx'
import { addToHistory, historyKey, readHistory, type SqlHistoryEntry } from '../sql/sql-history.ts'
import { SqlFailureMessage, SqlResults } from '../sql/sql-results.tsx'
import { TenantPicker } from '../sql/tenant-picker.tsx'
import { useFanOut } from '../sql/use-fan-out.ts'
import { useSqlRun } from '../sql/use-sql-run.ts'
import { useTenantQuery } from '../data/queries.ts'
import { useWorkspace } from '../workspace.tsx'
import '../sql/sql-console.css'
import { FormAlert } from '../components/dialog-parts.tsx'

const LIMITS = [100, DEFAULT_RESULT_PAGE, 1000, 5000] as const

type Pending =
  | { kind: 'destructive'; sql: string; statementStart: number; reason: string }
  | { kind: 'fan-out-write'; sql: string; targets: FanOutTargets; preview: FanOutTargetList; destructive: string | null }
  | null

/** The SQL console of the active tenant (a fresh console per tenant: its history, its results). */
export function SqlView() {
  const { active } = useWorkspace()
  if (!active) return null
  return <SqlConsole key={historyKey(active)} tenant={active} />
}

function SqlConsole({ tenant }: { tenant: TenantInfo }) {
  const client = useClient()
  const { tenants } = useWorkspace()
  const catalog = useTenantQuery('sql/catalog', {})
  const editor = useRef<SqlEditorHandle>(null)
  const single = useSqlRun(tenant.schema)
  const fanOut = useFanOut()
  const [shown, setShown] = useState<'single' | 'fan-out'>('single')
  const [write, setWrite] = useState(false)
  const [limit, setLimit] = useState<number>(DEFAULT_RESULT_PAGE)
  const [pending, setPending] = useState<Pending>(null)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [pickerOpen, setPickerOpen] = useState(false)
  const [picked, setPicked] = useState<Set<string>>(() => new Set([tenant.schema]))
  const [historyOpen, setHistoryOpen] = useState(false)
  const key = historyKey(tenant)
  const [history, setHistory] = useState<SqlHistoryEntry[]>(() => readHistory(window.localStorage, key))
  const names = useMemo(() => new Map((tenants ?? []).map((t) => [t.schema, t.name])), [tenants])
  const [sentText, setSentText] = useState('')

  const remember = (sql: string, ok: boolean, ms?: number) => {
    setHistory(addToHistory(window.localStorage, key, { sql, at: new Date().toISOString(), ok, ...(ms === undefined ? {} : { ms }) }))
  }

  /** The statement under the cursor, or a problem saying there is none. */
  const currentStatement = (): { sql: string; statementStart: number } | undefined => {
    const text = editor.current?.text() ?? ''
    const span = statementAt(text, editor.current?.cursor() ?? 0)
    if (!span) {
      setProblem('Type a statement first.')
      return undefined
    }
    setProblem(undefined)
    setSentText(text)
    return { sql: span.text, statementStart: span.start }
  }

  const runSingle = async (sql: string, statementStart: number, confirm?: string) => {
    setShown('single')
    const result = await single.run({ sql, statementStart, write, limit, ...(confirm === undefined ? {} : { confirm }) })
    remember(sql, result.ok, 'ms' in result ? result.ms : undefined)
  }

  const run = () => {
    if (single.state.status === 'running') return
    const statement = currentStatement()
    if (!statement) return
    const reason = write ? destructiveReason(statement.sql) : null
    if (reason !== null) setPending({ kind: 'destructive', ...statement, reason })
    else void runSingle(statement.sql, statement.statementStart)
  }

  const runEverywhere = async (targets: FanOutTargets) => {
    const statement = currentStatement()
    if (!statement) return
    let preview: FanOutTargetList
    try {
      preview = await client.call('sql/targets', { targets })
    } catch (error) {
      setProblem(errorMessage(error))
      return
    }
    if (write) {
      setPending({ kind: 'fan-out-write', sql: statement.sql, targets, preview, destructive: destructiveReason(statement.sql) })
      return
    }
    startFanOut(statement.sql, targets, preview.count)
  }

  const startFanOut = (sql: string, targets: FanOutTargets, count: number) => {
    setShown('fan-out')
    remember(sql, true)
    void fanOut.start({ sql, targets, write, confirmTenants: count })
  }

  const state = single.state
  const running = state.status === 'running'
  const fanOutRunning = fanOut.state !== undefined && fanOut.state.summary === undefined && fanOut.state.error === undefined
  const mark: SqlMark | null =
    shown === 'single' && state.status === 'failed' && state.failure.offset !== undefined
      ? { offset: state.statementStart + state.failure.offset, message: state.failure.message }
      : null

  return (
    <div className="sql-view" data-testid="sql-view" data-tenant={tenant.schema}>
      <div className="sql-view__main">
        <div className="sql-toolbar" role="toolbar" aria-label="SQL">
          {running ? (
            <button type="button" className="button button--danger" onClick={() => void single.cancel()} data-testid="sql-cancel">
              Cancel
            </button>
          ) : (
            <button type="button" className="button button--primary" onClick={run} disabled={fanOutRunning} data-testid="sql-run" title={`${modifierLabel()}Enter`}>
              Run <kbd>{modifierLabel()}Enter</kbd>
            </button>
          )}
          <label className="switch" data-testid="sql-allow-writes">
            <input type="checkbox" role="switch" checked={write} onChange={(event) => setWrite(event.target.checked)} />
            <span>Allow writes</span>
          </label>
          <label className="sql-toolbar__limit">
            Rows
            <select className="input input--small" value={limit} onChange={(event) => setLimit(Number(event.target.value))} data-testid="sql-limit">
              {LIMITS.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <span className="sql-toolbar__spacer" />
          <button type="button" className="button" disabled={running || fanOutRunning} onClick={() => void runEverywhere({ all: true })} data-testid="sql-run-all">
            Run in all tenants
          </button>
          <button
            type="button"
            className="button"
            disabled={running || fanOutRunning || picked.size === 0}
            onClick={() => void runEverywhere({ tenants: [...picked].sort() })}
            data-testid="sql-run-selected"
          >
            Run in {picked.size} selected
          </button>
          <button type="button" className={`button ${pickerOpen ? 'button--active' : ''}`} aria-expanded={pickerOpen} onClick={() => setPickerOpen((open) => !open)} data-testid="sql-pick">
            Tenants…
          </button>
          <button type="button" className={`button ${historyOpen ? 'button--active' : ''}`} aria-expanded={historyOpen} onClick={() => setHistoryOpen((open) => !open)} data-testid="sql-history-toggle">
            History ({history.length})
          </button>
        </div>
        <p className={`sql-mode ${write ? 'sql-mode--write' : ''}`} data-testid="sql-mode">
          {write
            ? `Writes allowed in ${tenant.schema}: statements commit. DROP, TRUNCATE and DELETE/UPDATE without WHERE ask for the tenant's name first.`
            : `Read-only: statements run as ${tenant.schema} in a READ ONLY transaction.`}
        </p>
        {pickerOpen && <TenantPicker tenants={tenants ?? []} selected={picked} onChange={setPicked} />}
        <SqlEditor ref={editor} initialText="" catalog={catalog.data} onRun={run} mark={mark} />
        <FormAlert message={problem} testId="sql-problem" />
        {shown === 'single' && running && (
          <p className="sql-running" data-testid="sql-running" aria-live="polite">
            Running in {tenant.schema}…
          </p>
        )}
        {shown === 'single' && state.status === 'failed' && <SqlFailureMessage failure={state.failure} text={sentText} offset={mark?.offset} />}
        {shown === 'single' && state.status === 'done' && <SqlResults state={state} onLoadMore={() => void single.loadMore(limit)} />}
        {shown === 'fan-out' && fanOut.state && <FanOutResults state={fanOut.state} names={names} onCancel={() => void fanOut.cancel()} />}
      </div>
      {historyOpen && (
        <aside className="sql-history" aria-label="History" data-testid="sql-history">
          <h3 className="sql-history__title">History of {tenant.schema}</h3>
          {history.length === 0 && <p className="sql-history__empty">Statements you run here are kept in this browser, per tenant.</p>}
          <ul>
            {history.map((entry) => (
              <li key={`${entry.at}${entry.sql}`}>
                <button
                  type="button"
                  className={`sql-history__entry ${entry.ok ? '' : 'sql-history__entry--failed'}`}
                  onClick={() => editor.current?.setText(entry.sql)}
                  data-testid="sql-history-entry"
                  title={entry.at}
                >
                  <code>{entry.sql}</code>
                </button>
              </li>
            ))}
          </ul>
        </aside>
      )}
      {pending?.kind === 'destructive' && (
        <ConfirmDestructiveDialog
          tenant={tenant.schema}
          reason={pending.reason}
          onClose={() => setPending(null)}
          onConfirm={(typed) => {
            setPending(null)
            void runSingle(pending.sql, pending.statementStart, typed)
          }}
        />
      )}
      {pending?.kind === 'fan-out-write' && (
        <ConfirmFanOutWriteDialog
          preview={pending.preview}
          destructive={pending.destructive}
          onClose={() => setPending(null)}
          onConfirm={() => {
            setPending(null)
            startFanOut(pending.sql, pending.targets, pending.preview.count)
          }}
        />
      )}
    </div>
  )
}
