import { useEffect, useId, useState, type CSSProperties, type KeyboardEvent } from 'react'
import type { TenantListItem } from '../../../contract/types.ts'
import type { TenantColors } from '../lib/tenant-color.ts'
import { modifierLabel } from '../lib/platform.ts'
import { SHORTCUT_COUNT } from '../lib/tenant-order.ts'
import { useTenantColors } from '../tenant-colors.tsx'
import { useWorkspace } from '../workspace.tsx'
import { useFoldedIntoOutage } from '../outage.tsx'
import { DbStatusPill } from './db-status-pill.tsx'
import { DepartedTenants, PoolSummary } from './departed-tenants.tsx'
import { TenantBadge } from './tenant-badge.tsx'
import { VirtualList } from './virtual-list.tsx'

export const TENANT_ROW_HEIGHT = 56

/** Whether `tenant` matches the sidebar search (name, schema or a domain contains the text). */
export function matchesTenantSearch(tenant: TenantListItem, search: string): boolean {
  const needle = search.trim().toLowerCase()
  if (needle === '') return true
  return (
    tenant.name.toLowerCase().includes(needle) ||
    tenant.schema.includes(needle) ||
    tenant.domains.some((d) => d.includes(needle))
  )
}

/** The active row wears its tenant's colour, like the banner. */
function activeRowStyle(colors: TenantColors): CSSProperties {
  return { background: colors.tint, borderLeftColor: colors.solid, ['--row-accent' as string]: colors.strong }
}

export interface TenantSidebarProps {
  /** The tenants in view, in the stable order, already filtered by `search` (each keeps its own Ctrl+N). */
  visible: readonly TenantListItem[]
  search: string
  onSearch: (search: string) => void
  onCreate: () => void
  onShowDatabase: () => void
  /** Archived and moved tenants, shown in their own section. */
  departed?: readonly TenantListItem[]
  onNotice?: (text: string) => void
}

export function TenantSidebar({ visible, search, onSearch, onCreate, onShowDatabase, departed = [], onNotice = () => undefined }: TenantSidebarProps) {
  const { tenants, places, tenantsError, active, switchingTo, switchTo, reloadTenants } = useWorkspace()
  const colorOf = useTenantColors()
  const tenantsErrorFolded = useFoldedIntoOutage(tenantsError ?? '')
  const [cursor, setCursor] = useState(0)
  const idPrefix = useId()
  const optionId = (schema: string) => `${idPrefix}-tenant-${schema}`
  const mod = modifierLabel()

  useEffect(() => {
    setCursor((c) => Math.min(c, Math.max(0, visible.length - 1)))
  }, [visible.length])

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const last = visible.length - 1
    const move = (to: number) => {
      event.preventDefault()
      setCursor(Math.max(0, Math.min(last, to)))
    }
    switch (event.key) {
      case 'ArrowDown':
        return move(cursor + 1)
      case 'ArrowUp':
        return move(cursor - 1)
      case 'PageDown':
        return move(cursor + 10)
      case 'PageUp':
        return move(cursor - 10)
      case 'Home':
        return move(0)
      case 'End':
        return move(last)
      case 'Enter':
      case ' ': {
        const tenant = visible[cursor]
        if (tenant) {
          event.preventDefault()
          void switchTo(tenant.schema)
        }
      }
    }
  }

  const cursorTenant = visible[cursor]
  const total = tenants?.length ?? 0

  return (
    <aside className="sidebar" aria-label="Tenants" data-testid="tenant-sidebar">
      <div className="sidebar__brand">
        <span className="sidebar__logo" aria-hidden="true">
          ◧
        </span>
        Schemata
      </div>
      <div className="sidebar__tools">
        <input
          type="search"
          className="input sidebar__search"
          placeholder={total > 0 ? `Search ${total.toLocaleString('en-US')} tenants…` : 'Search tenants…'}
          aria-label="Search tenants"
          data-testid="tenant-search"
          value={search}
          onChange={(event) => onSearch(event.target.value)}
        />
        <button type="button" className="button button--primary sidebar__create" onClick={onCreate} data-testid="create-tenant-button">
          + New tenant
        </button>
      </div>
      <div className="sidebar__count" aria-live="polite" data-testid="tenant-count">
        {tenants === undefined
          ? ''
          : search.trim() === ''
            ? `${total.toLocaleString('en-US')} ${total === 1 ? 'tenant' : 'tenants'}`
            : `${visible.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`}
      </div>
      {tenantsError !== undefined && !tenantsErrorFolded && (
        <div className="alert alert--error sidebar__alert" role="alert">
          <p>Could not load tenants: {tenantsError}</p>
          <button type="button" className="button button--small" onClick={() => void reloadTenants()}>
            Retry
          </button>
        </div>
      )}
      {tenants === undefined && tenantsError === undefined && (
        <div className="sidebar__placeholder" role="status">
          <span className="spinner" aria-hidden="true" /> Loading tenants…
        </div>
      )}
      {tenants !== undefined && visible.length === 0 && (
        <div className="sidebar__placeholder" data-testid="tenant-list-empty">
          {total === 0 ? 'No tenants yet. Create the first one.' : `No tenant matches “${search.trim()}”.`}
        </div>
      )}
      {tenants !== undefined && visible.length > 0 && (
        <VirtualList
          className="tenant-list"
          role="listbox"
          aria-label="Tenants"
          data-testid="tenant-list"
          tabIndex={0}
          aria-activedescendant={cursorTenant ? optionId(cursorTenant.schema) : undefined}
          onKeyDown={onKeyDown}
          items={visible}
          rowHeight={TENANT_ROW_HEIGHT}
          scrollToIndex={cursor}
          getKey={(tenant) => tenant.schema}
          renderRow={(tenant, index) => {
            const isActive = active?.schema === tenant.schema
            const isTarget = switchingTo === tenant.schema
            // The tenant's own number in the stable order, not its row in a filtered list.
            const place = places.get(tenant.schema)
            const shortcut = place !== undefined && place < SHORTCUT_COUNT ? place + 1 : undefined
            return (
              <div
                id={optionId(tenant.schema)}
                role="option"
                aria-selected={isActive}
                aria-setsize={visible.length}
                aria-posinset={index + 1}
                aria-keyshortcuts={shortcut !== undefined ? `Control+${shortcut} Meta+${shortcut}` : undefined}
                className={[
                  'tenant-row',
                  isActive && 'tenant-row--active',
                  isTarget && 'tenant-row--target',
                  index === cursor && 'tenant-row--cursor',
                  tenant.status === 'suspended' && 'tenant-row--suspended',
                ]
                  .filter(Boolean)
                  .join(' ')}
                style={isActive ? activeRowStyle(colorOf(tenant.schema)) : undefined}
                data-testid="tenant-row"
                data-schema={tenant.schema}
                onClick={() => {
                  setCursor(index)
                  void switchTo(tenant.schema)
                }}
              >
                <TenantBadge name={tenant.name} schema={tenant.schema} />
                <span className="tenant-row__text">
                  <span className="tenant-row__name">{tenant.name}</span>
                  <span className="tenant-row__schema">{tenant.schema}</span>
                </span>
                {tenant.status === 'suspended' && <span className="pill pill--warning">suspended</span>}
                {tenant.pendingMigrations.length > 0 && (
                  <span className="pill pill--info" title={`Pending: ${tenant.pendingMigrations.join(', ')}`}>
                    {tenant.pendingMigrations.length} pending
                  </span>
                )}
                {shortcut !== undefined && (
                  <kbd className="tenant-row__shortcut" aria-hidden="true" data-testid="tenant-shortcut">
                    {mod}
                    {shortcut}
                  </kbd>
                )}
              </div>
            )
          }}
        />
      )}
      <DepartedTenants tenants={departed} onChanged={() => void reloadTenants()} onNotice={onNotice} />
      <PoolSummary refreshKey={tenants} />
      <DbStatusPill onClick={onShowDatabase} />
    </aside>
  )
}
