import type { TenantInfo } from '../../../contract/types.ts'
import { modifierLabel } from '../lib/platform.ts'
import { useTenantColors } from '../tenant-colors.tsx'
import { useWorkspace } from '../workspace.tsx'
import { TenantBadge } from './tenant-badge.tsx'

/** The title bar in the active tenant's colour: no one should wonder which tenant they are changing. */
export function ActiveTenantBanner({
  noTenants,
  onCreate,
  onManage,
  onOpenPalette,
}: {
  /** There is no tenant to pick: the banner offers to create one. */
  noTenants: boolean
  onCreate: () => void
  onManage: (tenant: TenantInfo) => void
  onOpenPalette: () => void
}) {
  const { active, switchingTo, tenants } = useWorkspace()
  const mod = modifierLabel()
  const colorOf = useTenantColors()
  const target = switchingTo ? tenants?.find((t) => t.schema === switchingTo) : undefined

  if (switchingTo) {
    const colors = colorOf(switchingTo)
    return (
      <header className="banner banner--switching" style={{ background: colors.strong }} data-testid="active-tenant-banner" data-schema="" aria-busy="true">
        <TenantBadge name={target?.name ?? switchingTo} schema={switchingTo} size="large" />
        <div className="banner__text">
          <div className="banner__label">Switching to</div>
          <div className="banner__name">{target?.name ?? switchingTo}</div>
          <div className="banner__meta">
            <span className="spinner spinner--light" aria-hidden="true" /> schema <code>{switchingTo}</code>
          </div>
        </div>
      </header>
    )
  }

  if (!active && noTenants) {
    return (
      <header className="banner banner--none" data-testid="active-tenant-banner" data-schema="">
        <div className="banner__text">
          <div className="banner__label">No tenants yet</div>
          <div className="banner__name">Create your first tenant</div>
          <div className="banner__meta">A tenant is a schema and a role of its own; its tables come from the project's migrations.</div>
        </div>
        <div className="banner__actions">
          <button type="button" className="button button--on-dark" onClick={onCreate} data-testid="banner-create-tenant">
            + New tenant
          </button>
        </div>
      </header>
    )
  }

  if (!active) {
    return (
      <header className="banner banner--none" data-testid="active-tenant-banner" data-schema="">
        <div className="banner__text">
          <div className="banner__label">No tenant selected</div>
          <div className="banner__name">Pick a tenant</div>
          <div className="banner__meta">
            Click one in the list, press <kbd>{mod}K</kbd> to search, or <kbd>{mod}1</kbd> for the first.
          </div>
        </div>
        <div className="banner__actions">
          <button type="button" className="button button--on-dark" onClick={onOpenPalette}>
            Switch tenant <kbd>{mod}K</kbd>
          </button>
        </div>
      </header>
    )
  }

  const colors = colorOf(active.schema)
  return (
    <header className="banner" style={{ background: colors.strong }} data-testid="active-tenant-banner" data-schema={active.schema} data-color={colors.index}>
      <TenantBadge name={active.name} schema={active.schema} size="large" />
      <div className="banner__text">
        <div className="banner__label">Active tenant</div>
        <h1 className="banner__name" data-testid="active-tenant-name">
          {active.name}
        </h1>
        <div className="banner__meta">
          schema <code data-testid="active-tenant-schema">{active.schema}</code>
          {active.domains.length > 0 && (
            <>
              {' · '}
              {active.domains.slice(0, 3).join(', ')}
              {active.domains.length > 3 ? ` +${active.domains.length - 3}` : ''}
            </>
          )}
          {active.status === 'suspended' && <span className="pill pill--warning banner__pill">suspended</span>}
        </div>
      </div>
      <div className="banner__actions">
        <button type="button" className="button button--on-dark" onClick={onOpenPalette} data-testid="open-palette">
          Switch <kbd>{mod}K</kbd>
        </button>
        <button type="button" className="button button--on-dark" onClick={() => onManage(active)} data-testid="manage-tenant">
          Manage
        </button>
      </div>
    </header>
  )
}
