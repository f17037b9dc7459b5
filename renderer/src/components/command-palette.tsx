import { useId, useMemo, useState } from 'react'
import type { TenantListItem } from '../../../contract/types.ts'
import { fuzzyFilter } from '../lib/fuzzy.ts'
import { Modal } from './modal.tsx'
import { TenantBadge } from './tenant-badge.tsx'

export interface PaletteCommand {
  id: string
  label: string
  hint?: string
  run: () => void
}

type Entry = { kind: 'tenant'; tenant: TenantListItem } | { kind: 'command'; command: PaletteCommand }

/** Tenant results shown at most: the palette is for jumping, the sidebar for browsing. */
const MAX_TENANTS = 50

export interface CommandPaletteProps {
  tenants: readonly TenantListItem[]
  activeSchema: string | undefined
  commands: readonly PaletteCommand[]
  onSwitch: (schema: string) => void
  onClose: () => void
}

/** Ctrl/Cmd+K: fuzzy-find a tenant (or a command), arrows to move, Enter to go. */
export function CommandPalette({ tenants, activeSchema, commands, onSwitch, onClose }: CommandPaletteProps) {
  const [query, setQuery] = useState('')
  const [cursor, setCursor] = useState(0)
  const listId = useId()

  const { entries, moreTenants } = useMemo(() => {
    const matchedTenants = fuzzyFilter(tenants, query, (t) => [t.name, t.schema, ...t.domains])
    const matchedCommands = fuzzyFilter(commands, query, (c) => [c.label])
    const shown: Entry[] = [
      ...matchedTenants.slice(0, MAX_TENANTS).map((tenant): Entry => ({ kind: 'tenant', tenant })),
      ...matchedCommands.map((command): Entry => ({ kind: 'command', command })),
    ]
    return { entries: shown, moreTenants: Math.max(0, matchedTenants.length - MAX_TENANTS) }
  }, [tenants, commands, query])

  const current = Math.min(cursor, Math.max(0, entries.length - 1))
  const optionId = (index: number) => `${listId}-${index}`

  const choose = (entry: Entry | undefined) => {
    if (!entry) return
    onClose()
    if (entry.kind === 'tenant') onSwitch(entry.tenant.schema)
    else entry.command.run()
  }

  return (
    <Modal title="Command palette" onClose={onClose} testId="command-palette" className="palette" hideTitle>
      <input
        className="palette__input"
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={entries.length > 0 ? optionId(current) : undefined}
        aria-label="Switch to tenant or run a command"
        placeholder="Switch tenant or run a command…"
        data-testid="palette-input"
        value={query}
        autoFocus
        onChange={(event) => {
          setQuery(event.target.value)
          setCursor(0)
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault()
            setCursor(Math.min(current + 1, entries.length - 1))
          } else if (event.key === 'ArrowUp') {
            event.preventDefault()
            setCursor(Math.max(current - 1, 0))
          } else if (event.key === 'Enter') {
            event.preventDefault()
            choose(entries[current])
          }
        }}
      />
      <div className="palette__results" id={listId} role="listbox" aria-label="Results" data-testid="palette-results">
        {entries.length === 0 && <div className="palette__empty">Nothing matches “{query}”.</div>}
        {entries.map((entry, index) => (
          <div
            key={entry.kind === 'tenant' ? `t:${entry.tenant.schema}` : `c:${entry.command.id}`}
            id={optionId(index)}
            role="option"
            aria-selected={index === current}
            className={`palette__option ${index === current ? 'palette__option--current' : ''}`}
            data-testid={entry.kind === 'tenant' ? 'palette-tenant' : 'palette-command'}
            data-schema={entry.kind === 'tenant' ? entry.tenant.schema : undefined}
            onMouseMove={() => {
              if (index !== current) setCursor(index)
            }}
            onClick={() => choose(entry)}
          >
            {entry.kind === 'tenant' ? (
              <>
                <TenantBadge name={entry.tenant.name} schema={entry.tenant.schema} />
                <span className="palette__label">{entry.tenant.name}</span>
                <span className="palette__hint">
                  {entry.tenant.schema}
                  {entry.tenant.schema === activeSchema ? ' · active' : ''}
                </span>
              </>
            ) : (
              <>
                <span className="palette__icon" aria-hidden="true">
                  ›
                </span>
                <span className="palette__label">{entry.command.label}</span>
                {entry.command.hint && <span className="palette__hint">{entry.command.hint}</span>}
              </>
            )}
          </div>
        ))}
        {moreTenants > 0 && <div className="palette__more">{moreTenants.toLocaleString('en-US')} more tenants — type to narrow</div>}
      </div>
      <div className="palette__footer" aria-hidden="true">
        <span>
          <kbd>↑</kbd>
          <kbd>↓</kbd> move
        </span>
        <span>
          <kbd>Enter</kbd> go
        </span>
        <span>
          <kbd>Esc</kbd> close
        </span>
      </div>
    </Modal>
  )
}
