import { useEffect, useState } from 'react'
import type { PoolInfo, TenantListItem } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { FormAlert } from './dialog-parts.tsx'

/** Tenants whose data is not served from here: archived (in a file) or moved (to another database). */
export function DepartedTenants({ tenants, onChanged, onNotice }: { tenants: readonly TenantListItem[]; onChanged: () => void; onNotice: (text: string) => void }) {
  const client = useClient()
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | undefined>(undefined)
  if (tenants.length === 0) return null
  const unarchive = async (schema: string) => {
    setBusy(schema)
    setError(undefined)
    try {
      const back = await client.call('tenants/unarchive', { schema })
      onNotice(`Unarchived ${back.name} (${back.schema}).`)
      onChanged()
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(null)
    }
  }
  return (
    <details className="sidebar__section" data-testid="departed-tenants">
      <summary>
        Archived &amp; moved <span className="pill">{tenants.length}</span>
      </summary>
      <ul className="departed-list">
        {tenants.map((t) => (
          <li key={t.schema} className="departed-row" data-testid="departed-row" data-schema={t.schema}>
            <span className="tenant-row__text">
              <span className="tenant-row__name">{t.name}</span>
              <span className="tenant-row__schema" title={t.archive ? `${t.archive.path} (sha256 ${t.archive.sha256})` : t.movedTo}>
                {t.schema} · {t.status === 'archived' ? `archived ${t.archive?.archivedAt.slice(0, 10) ?? ''}` : `${t.status} to ${t.movedTo ?? '?'}`}
              </span>
            </span>
            {t.status === 'archived' && (
              <button type="button" className="button button--small" disabled={busy !== null} onClick={() => void unarchive(t.schema)} data-testid="unarchive">
                {busy === t.schema ? 'Restoring…' : 'Unarchive'}
              </button>
            )}
          </li>
        ))}
      </ul>
      <FormAlert message={error} />
    </details>
  )
}

/** The warm pool's state (ready schemas for instant sign-up), when one is configured. */
export function PoolSummary({ refreshKey }: { refreshKey: unknown }) {
  const client = useClient()
  const [pool, setPool] = useState<PoolInfo | undefined>(undefined)
  useEffect(() => {
    let live = true
    client.call('tenants/pool', {}).then(
      (info) => live && setPool(info),
      () => live && setPool(undefined),
    )
    return () => {
      live = false
    }
  }, [client, refreshKey])
  if (!pool || pool.size === 0) return null
  return (
    <div className="sidebar__section sidebar__pool" data-testid="pool-summary" title="Pooled schemas are ready tenants that a new tenant claims by a rename">
      Warm pool: {pool.ready} of {pool.size} ready{pool.behind > 0 ? `, ${pool.behind} behind` : ''}
    </div>
  )
}
