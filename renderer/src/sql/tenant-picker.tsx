import { useMemo, useState } from 'react'
import type { TenantListItem } from '../../../contract/types.ts'
import { TenantBadge } from '../components/tenant-badge.tsx'

/** Picks the tenants a fan-out runs in: a filterable list of checkboxes, with all / none for what the filter shows. */
export function TenantPicker({
  tenants,
  selected,
  onChange,
}: {
  tenants: readonly TenantListItem[]
  selected: ReadonlySet<string>
  onChange: (next: Set<string>) => void
}) {
  const [filter, setFilter] = useState('')
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase()
    return tenants.filter((t) => needle === '' || t.schema.includes(needle) || t.name.toLowerCase().includes(needle))
  }, [tenants, filter])
  const setAll = (on: boolean) => {
    const next = new Set(selected)
    for (const t of shown) {
      if (on) next.add(t.schema)
      else next.delete(t.schema)
    }
    onChange(next)
  }
  return (
    <div className="tenant-picker" data-testid="sql-tenant-picker">
      <div className="tenant-picker__head">
        <input className="input" placeholder="Filter tenants" aria-label="Filter tenants" value={filter} onChange={(event) => setFilter(event.target.value)} />
        <button type="button" className="button button--small" onClick={() => setAll(true)}>
          All
        </button>
        <button type="button" className="button button--small" onClick={() => setAll(false)}>
          None
        </button>
      </div>
      <ul className="tenant-picker__list">
        {shown.map((t) => (
          <li key={t.schema}>
            <label className="tenant-picker__item">
              <input
                type="checkbox"
                checked={selected.has(t.schema)}
                data-testid="sql-pick-tenant"
                data-schema={t.schema}
                onChange={(event) => {
                  const next = new Set(selected)
                  if (event.target.checked) next.add(t.schema)
                  else next.delete(t.schema)
                  onChange(next)
                }}
              />
              <TenantBadge name={t.name} schema={t.schema} />
              <span>{t.name}</span> <code>{t.schema}</code>
            </label>
          </li>
        ))}
      </ul>
    </div>
  )
}
