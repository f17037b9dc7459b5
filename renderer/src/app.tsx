import { QueryClientProvider } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { TenantInfo } from '../../contract/types.ts'
import { useConnectionState } from './client/client-context.tsx'
import { ActiveTenantBanner } from './components/active-tenant-banner.tsx'
import { CommandPalette, type PaletteCommand } from './components/command-palette.tsx'
import { CreateTenantDialog } from './components/create-tenant-dialog.tsx'
import { DropTenantDialog } from './components/drop-tenant-dialog.tsx'
import { FirstTenant } from './components/first-tenant.tsx'
import { ManageTenantDialog } from './components/manage-tenant-dialog.tsx'
import { StartupScreen } from './components/startup-screen.tsx'
import { Empty, ErrorMessage } from './components/states.tsx'
import { matchesTenantSearch, TenantSidebar } from './components/tenant-sidebar.tsx'
import { useCallQuery } from './data/queries.ts'
import { createQueryClient } from './data/query-keys.ts'
import { DbStatusProvider, useDbStatus } from './db-status.tsx'
import { hasPrimaryModifier, modifierLabel } from './lib/platform.ts'
import { isLive, SHORTCUT_COUNT } from './lib/tenant-order.ts'
import { VIEWS, viewFromHash, viewsFor, type ViewId } from './views/view-registry.ts'
import { OutageAlert, OutageProvider } from './outage.tsx'
import { useWorkspace, WorkspaceProvider } from './workspace.tsx'
import { useTransient } from './lib/use-transient.ts'

/** The whole console: waits for the database, then the workspace. */
export function App({ dbPollMs }: { dbPollMs?: { fast: number; slow: number } } = {}) {
  const [queryClient] = useState(createQueryClient)
  return (
    <QueryClientProvider client={queryClient}>
      <DbStatusProvider {...(dbPollMs ? { fastPollMs: dbPollMs.fast, slowPollMs: dbPollMs.slow } : {})}>
        <ReadyGate>
          <ServerOutage>
            <WorkspaceProvider>
              <Shell />
            </WorkspaceProvider>
          </ServerOutage>
        </ReadyGate>
      </DbStatusProvider>
    </QueryClientProvider>
  )
}

/** Shows the start-up screen until the database has answered once; later outages show as an alert, not a reset. */
function ReadyGate({ children }: { children: ReactNode }) {
  const { status } = useDbStatus()
  const [ready, setReady] = useState(false)
  useEffect(() => {
    if (status?.running) setReady(true)
  }, [status?.running])
  return ready || status?.running ? <>{children}</> : <StartupScreen />
}

/** The server being unreachable is one failure: errors that repeat its cause fold into its one alert. */
function ServerOutage({ children }: { children: ReactNode }) {
  const { error } = useDbStatus()
  return <OutageProvider cause={error}>{children}</OutageProvider>
}

/** The tabs; they scroll sideways within the bar when they do not fit, keeping the selected one in view. */
function TabList({ views, view, onSelect }: { views: ReturnType<typeof viewsFor>; view: ViewId; onSelect: (view: ViewId) => void }) {
  const selected = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    const tab = selected.current
    if (tab && typeof tab.scrollIntoView === 'function') tab.scrollIntoView({ block: 'nearest', inline: 'nearest' })
  }, [view])
  return (
    <div className="tabs__list" role="tablist" aria-label="Views">
      {views.map((v) => (
        <button
          key={v.id}
          ref={view === v.id ? selected : undefined}
          type="button"
          role="tab"
          id={`tab-${v.id}`}
          aria-selected={view === v.id}
          aria-controls="view-panel"
          className={`tab ${view === v.id ? 'tab--selected' : ''}`}
          onClick={() => onSelect(v.id)}
          data-testid={`tab-${v.id}`}
        >
          {v.label}
        </button>
      ))}
    </div>
  )
}

type Dialog = { kind: 'create' } | { kind: 'manage'; tenant: TenantInfo } | { kind: 'drop'; tenant: TenantInfo } | null

function Shell() {
  const workspace = useWorkspace()
  const { tenants, active, switchTo, switchError, dismissSwitchError, reloadTenants, reloadActive, refusedCall, dismissRefusedCall } = workspace
  const db = useDbStatus()
  const connection = useConnectionState()
  const builtin = useCallQuery('project/current', {}).data?.builtin
  const views = useMemo(() => viewsFor(builtin), [builtin])
  const [view, setViewState] = useState<ViewId>(() => viewFromHash(window.location.hash))
  const [search, setSearch] = useState('')
  const [paletteOpen, setPaletteOpen] = useState(false)
  const [dialog, setDialog] = useState<Dialog>(null)
  const [notice, setNotice] = useTransient<string>(4000)
  const mod = modifierLabel()

  const setView = useCallback((next: ViewId) => {
    setViewState(next)
    window.history.replaceState(window.history.state, '', `#${next}`)
  }, [])

  useEffect(() => {
    const onHash = () => setViewState(viewFromHash(window.location.hash))
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])

  useEffect(() => {
    document.title = active ? `${active.name} (${active.schema}) — Schemata` : 'Schemata'
  }, [active])

  // Archived and moved tenants have their own sidebar section; the list is the tenants that live here.
  const visible = useMemo(() => (tenants ?? []).filter((t) => isLive(t) && matchesTenantSearch(t, search)), [tenants, search])
  const departed = useMemo(() => (tenants ?? []).filter((t) => !isLive(t)), [tenants])
  // Known to have none (not merely not loaded yet): the console offers to make the first one instead of "pick one".
  const noTenants = tenants !== undefined && !tenants.some(isLive)

  // Ctrl+1…9: the first nine live tenants in the stable order, whatever the search shows (the sidebar shows each one's number).
  const shortcuts = useMemo(() => (tenants ?? []).filter(isLive).slice(0, SHORTCUT_COUNT), [tenants])

  // Read at key time through a ref, so the listener is installed once and never sees a stale list.
  const keyState = useRef({ shortcuts, dialog, paletteOpen, switchTo })
  keyState.current = { shortcuts, dialog, paletteOpen, switchTo }
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!hasPrimaryModifier(event) || event.shiftKey) return
      const state = keyState.current
      if (event.key.toLowerCase() === 'k') {
        event.preventDefault()
        if (state.dialog === null) setPaletteOpen((open) => !open)
        return
      }
      const digit = /^Digit([1-9])$/.exec(event.code)?.[1] ?? (/^[1-9]$/.test(event.key) ? event.key : undefined)
      if (digit === undefined || state.dialog !== null) return
      const tenant = state.shortcuts[Number(digit) - 1]
      if (!tenant) return
      event.preventDefault()
      setPaletteOpen(false)
      void state.switchTo(tenant.schema)
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [])

  const commands = useMemo<PaletteCommand[]>(() => {
    const list: PaletteCommand[] = views.map((v) => ({ id: `view:${v.id}`, label: `Go to ${v.label}`, run: () => setView(v.id) }))
    list.push({ id: 'create', label: 'New tenant…', run: () => setDialog({ kind: 'create' }) })
    if (active) list.push({ id: 'manage', label: `Manage ${active.name}…`, hint: 'domains, suspend, drop', run: () => setDialog({ kind: 'manage', tenant: active }) })
    return list
  }, [active, setView, views])

  const existingSchemas = useMemo(() => new Set((tenants ?? []).map((t) => t.schema)), [tenants])
  // A hash naming a tab this project does not have (#customers outside the demo) shows the first one.
  const currentView = views.find((v) => v.id === view) ?? views[0] ?? VIEWS[0]
  // The demo's presets wait for the project: outside the demo they would ask for tables that are not there.
  const viewReady = !('demoOnly' in currentView) || builtin === true
  const suspendedTarget = switchError !== undefined ? tenants?.find((t) => switchError.includes(`to ${t.schema}:`) && t.status === 'suspended') : undefined

  return (
    <div className="shell">
      <TenantSidebar
        visible={visible}
        search={search}
        onSearch={setSearch}
        onCreate={() => setDialog({ kind: 'create' })}
        onShowDatabase={() => setView('database')}
        departed={departed}
        onNotice={setNotice}
      />
      <main className="main">
        <ActiveTenantBanner
          noTenants={noTenants}
          onCreate={() => setDialog({ kind: 'create' })}
          onManage={(tenant) => setDialog({ kind: 'manage', tenant })}
          onOpenPalette={() => setPaletteOpen(true)}
        />
        <nav className="tabs" aria-label="Views">
          <TabList views={views} view={currentView.id} onSelect={setView} />
          <span className="tabs__spacer" />
          {connection !== undefined && (
            <span className={`live live--${connection}`} data-testid="live-indicator" title="Live updates from the server">
              <span className="live__dot" aria-hidden="true" />
              {connection === 'open' ? 'Live' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
            </span>
          )}
          <button type="button" className="tabs__palette" onClick={() => setPaletteOpen(true)} aria-label="Open command palette">
            <kbd>{mod}K</kbd>
          </button>
        </nav>
        <div className="alerts">
          {switchError !== undefined && (
            <div className="alert alert--error" role="alert" data-testid="switch-error">
              <span className="alert__message">{switchError}</span>
              {suspendedTarget && (
                <button type="button" className="button button--small" onClick={() => setDialog({ kind: 'manage', tenant: suspendedTarget })}>
                  Manage {suspendedTarget.schema}…
                </button>
              )}
              <button type="button" className="button button--small" onClick={dismissSwitchError} aria-label="Dismiss">
                ×
              </button>
            </div>
          )}
          {refusedCall !== undefined && (
            <div className="alert alert--warning" role="alert" data-testid="refused-call">
              <span className="alert__message">{refusedCall}</span>
              <button type="button" className="button button--small" onClick={dismissRefusedCall} aria-label="Dismiss">
                ×
              </button>
            </div>
          )}
          {db.status && !db.status.running && (
            <ErrorMessage
              title={db.status.notRespondingSince !== undefined ? 'The database is not responding.' : 'The database is not running.'}
              message={db.status.error ?? 'Waiting for it to come back…'}
            />
          )}
          {db.recovered !== undefined && db.status?.running && (
            <div className="alert alert--success" role="status" data-testid="db-recovered">
              <span className="alert__message">The database is responding again (it did not answer for {Math.max(1, Math.round(db.recovered.downMs / 1000))} s).</span>
              <button type="button" className="button button--small" onClick={db.dismissRecovered} aria-label="Dismiss">
                ×
              </button>
            </div>
          )}
          {db.error !== undefined && <OutageAlert cause={db.error} onRetry={() => void db.refresh()} />}
          {active?.status === 'suspended' && currentView.needsTenant && (
            <div className="alert alert--warning" role="status">
              {active.name} is suspended: its data calls are refused until it is resumed.
            </div>
          )}
        </div>
        <div className="view-panel" id="view-panel" role="tabpanel" aria-labelledby={`tab-${currentView.id}`}>
          {!viewReady ? null : currentView.needsTenant && noTenants ? (
            <FirstTenant onCreate={() => setDialog({ kind: 'create' })} />
          ) : currentView.needsTenant && !active && !workspace.switchingTo ? (
            <Empty testId="no-tenant">
              <p className="big-empty__title">No tenant selected</p>
              <p>
                Pick one in the list on the left, press <kbd>{mod}K</kbd>, or <kbd>{mod}1</kbd>…<kbd>{mod}9</kbd>.
              </p>
            </Empty>
          ) : (
            <currentView.Component />
          )}
        </div>
      </main>

      {paletteOpen && tenants && (
        <CommandPalette
          tenants={tenants}
          activeSchema={active?.schema}
          commands={commands}
          onSwitch={(schema) => void switchTo(schema)}
          onClose={() => setPaletteOpen(false)}
        />
      )}
      {dialog?.kind === 'create' && (
        <CreateTenantDialog
          existingSchemas={existingSchemas}
          onClose={() => setDialog(null)}
          onCreated={(tenant) => {
            setDialog(null)
            setNotice(`Created ${tenant.name} (${tenant.schema}).`)
            void reloadTenants()
            void switchTo(tenant.schema)
          }}
        />
      )}
      {dialog?.kind === 'manage' && (
        <ManageTenantDialog
          key={dialog.tenant.schema}
          tenant={dialog.tenant}
          onClose={() => setDialog(null)}
          onDrop={() => setDialog({ kind: 'drop', tenant: dialog.tenant })}
          onChanged={(tenant) => {
            void reloadTenants()
            if (tenant.schema === active?.schema) void reloadActive()
          }}
          onLifecycle={(change, text) => {
            void reloadTenants()
            if ((change.renamedTo || change.gone) && text) setNotice(text)
            if (change.renamedTo) setDialog({ kind: 'manage', tenant: change.renamedTo })
            if (change.gone) setDialog(null)
            if (dialog.tenant.schema === active?.schema) void reloadActive()
          }}
        />
      )}
      {dialog?.kind === 'drop' && (
        <DropTenantDialog
          tenant={dialog.tenant}
          onClose={() => setDialog(null)}
          onDropped={() => {
            setDialog(null)
            setNotice(`Dropped ${dialog.tenant.name} (${dialog.tenant.schema}).`)
            void reloadTenants()
            if (dialog.tenant.schema === active?.schema) void reloadActive()
          }}
        />
      )}
      <div className="toast-region" role="status" aria-live="polite" data-testid="notice">
        {notice && <div className="toast">{notice}</div>}
      </div>
    </div>
  )
}
