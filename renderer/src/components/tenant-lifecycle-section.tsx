import { useEffect, useState, type FormEvent } from 'react'
import type { LifecycleProgress, TenantInfo, TenantProgressEvent } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import { useFileTransfer } from '../client/file-transfer-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { ProgressBar } from './progress-bar.tsx'
import { FormAlert } from './dialog-parts.tsx'

type Action = 'clone' | 'rename' | 'restore' | 'swap' | 'archive' | 'move'

export interface TenantLifecycleSectionProps {
  tenant: TenantInfo
  /** Something changed in the registry; `renamedTo` when this tenant now has another schema, `gone` when it left the list. */
  onChanged: (change: { renamedTo?: TenantInfo; gone?: boolean }) => void
  onNotice: (text: string) => void
}

function describe(progress: LifecycleProgress): string {
  const rows = progress.rowsTotal > 0 ? `${progress.rowsDone.toLocaleString('en-US')} of ${progress.rowsTotal.toLocaleString('en-US')} rows` : 'working'
  const mb = progress.bytes === undefined ? '' : `, ${(progress.bytes / 1024 / 1024).toFixed(1)} MB`
  return `${progress.phase}${progress.table ? ` ${progress.table}` : ''}: ${rows}${mb}`
}

/** The progress events of this window's long operations on `schema`, newest first. */
function useLifecycleProgress(schema: string): LifecycleProgress | undefined {
  const client = useClient()
  const [progress, setProgress] = useState<LifecycleProgress | undefined>(undefined)
  useEffect(
    () =>
      client.on('tenants/progress', (event: TenantProgressEvent) => {
        if (event.schema === schema || event.schema === '') setProgress(event.progress)
      }),
    [client, schema],
  )
  return progress
}

/**
 * Clone, rename, export, restore beside + swap, archive and move, in the
 * manage dialog. Files go through the window's FileTransfer: a native dialog
 * in Electron, a download or an upload in a browser.
 */
export function TenantLifecycleSection({ tenant, onChanged, onNotice }: TenantLifecycleSectionProps) {
  const client = useClient()
  const transfer = useFileTransfer()
  const progress = useLifecycleProgress(tenant.schema)
  const [action, setAction] = useState<Action | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const [target, setTarget] = useState('')
  const [withData, setWithData] = useState(true)
  const [dropSource, setDropSource] = useState(false)
  const [file, setFile] = useState<File | undefined>(undefined)

  const open = (next: Action | null) => {
    setAction(next)
    setError(undefined)
    setTarget(next === 'clone' ? `${tenant.schema}_copy` : next === 'rename' ? tenant.schema : next === 'swap' ? `${tenant.schema}__restored` : '')
  }

  const run = async (work: () => Promise<void>) => {
    setBusy(true)
    setError(undefined)
    try {
      await work()
      setAction(null)
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    void run(async () => {
      switch (action) {
        case 'clone': {
          const clone = await client.call('tenants/clone', { from: tenant.schema, schema: target.trim(), data: withData })
          onNotice(`Cloned ${tenant.schema} → ${clone.schema}${withData ? ` (${clone.rows.toLocaleString('en-US')} rows)` : ''}.`)
          onChanged({})
          return
        }
        case 'rename': {
          const renamed = await client.call('tenants/rename', { schema: tenant.schema, to: target.trim() })
          onNotice(`Renamed ${tenant.schema} → ${renamed.schema}.`)
          onChanged({ renamedTo: renamed })
          return
        }
        case 'swap': {
          await client.call('tenants/swap', { schema: tenant.schema, with: target.trim() })
          onNotice(`Swapped ${tenant.schema} and ${target.trim()}: ${tenant.schema} now holds the other's data.`)
          onChanged({})
          return
        }
        case 'restore': {
          if (!transfer) throw new Error('files cannot be opened in this window')
          const restored = await transfer.importTenant({ asSibling: true, ...(file ? { file } : {}) })
          if (restored) {
            onNotice(`Restored ${restored.rows.toLocaleString('en-US')} rows beside ${tenant.schema} as ${restored.schema}; check it, then swap.`)
            onChanged({})
          }
          return
        }
        case 'archive': {
          const archived = await client.call('tenants/archive', { schema: tenant.schema })
          onNotice(`Archived ${tenant.schema} to ${archived.path} (${archived.rows.toLocaleString('en-US')} rows).`)
          onChanged({ gone: true })
          return
        }
        case 'move': {
          const moved = await client.call('tenants/move', { schema: tenant.schema, to: target.trim(), dropSource })
          onNotice(`Moved ${tenant.schema} to ${moved.movedTo}${moved.droppedSource ? ' and dropped it here' : ''}.`)
          onChanged({ gone: true })
          return
        }
      }
    })
  }

  const exportNow = () =>
    void run(async () => {
      if (!transfer) throw new Error('files cannot be saved from this window')
      const result = await transfer.exportTenant(tenant.schema)
      if (result === 'downloading') onNotice(`Downloading ${tenant.schema}.tenant…`)
      else if (result) onNotice(`Exported ${result.rows.toLocaleString('en-US')} rows to ${result.path}.`)
    })

  const button = (id: Action, label: string, tone = '') => (
    <button type="button" className={`button button--small ${tone}`} disabled={busy} aria-pressed={action === id} onClick={() => open(action === id ? null : id)} data-testid={`lifecycle-${id}`}>
      {label}
    </button>
  )

  return (
    <section className="manage__section" aria-labelledby="manage-lifecycle" data-testid="lifecycle-section">
      <h3 id="manage-lifecycle">Lifecycle</h3>
      <div className="button-row">
        {button('clone', 'Clone…')}
        {button('rename', 'Rename…')}
        <button type="button" className="button button--small" disabled={busy || !transfer} onClick={exportNow} data-testid="lifecycle-export">
          {transfer?.kind === 'browser' ? 'Download export' : 'Export…'}
        </button>
        {button('restore', 'Restore beside…')}
        {button('swap', 'Swap with…')}
        {button('move', 'Move…')}
        {button('archive', 'Archive…', 'button--warning')}
      </div>
      {action !== null && (
        <form className="inline-form lifecycle__form" onSubmit={submit} data-testid="lifecycle-form">
          {(action === 'clone' || action === 'rename' || action === 'swap' || action === 'move') && (
            <label className="field">
              <span className="field__label">
                {action === 'clone' ? 'New schema' : action === 'rename' ? 'New schema name' : action === 'swap' ? 'Swap with (schema)' : 'Target database URL'}
              </span>
              <input
                className="input input--mono"
                value={target}
                spellCheck={false}
                placeholder={action === 'move' ? 'postgres://user:password@host:5432/db' : ''}
                onChange={(event) => setTarget(event.target.value)}
                data-testid="lifecycle-target"
              />
            </label>
          )}
          {action === 'clone' && (
            <label className="checkbox">
              <input type="checkbox" checked={withData} onChange={(event) => setWithData(event.target.checked)} data-testid="lifecycle-data" /> Copy every row
            </label>
          )}
          {action === 'move' && (
            <label className="checkbox">
              <input type="checkbox" checked={dropSource} onChange={(event) => setDropSource(event.target.checked)} /> Drop it here once verified there
            </label>
          )}
          {action === 'restore' && transfer?.kind === 'browser' && (
            <input type="file" accept=".tenant,text/plain" onChange={(event) => setFile(event.target.files?.[0])} data-testid="lifecycle-file" />
          )}
          {action === 'archive' && <p>Exports {tenant.schema} to a file, checks the file, then drops its schema and role. Its name and domains stay reserved; unarchive brings it back.</p>}
          <button type="submit" className={`button button--small ${action === 'archive' ? 'button--warning' : 'button--primary'}`} disabled={busy || (action === 'restore' && transfer?.kind === 'browser' && !file)} data-testid="lifecycle-submit">
            {busy ? 'Working…' : action === 'archive' ? `Archive ${tenant.schema}` : action === 'restore' ? 'Restore' : 'Go'}
          </button>
        </form>
      )}
      {busy && progress && <ProgressBar value={progress.rowsTotal > 0 ? (progress.rowsDone / progress.rowsTotal) * 100 : 0} label={describe(progress)} testId="lifecycle-progress" />}
      {busy && progress && <p className="muted">{describe(progress)}</p>}
      <FormAlert message={error} testId="lifecycle-error" />
    </section>
  )
}
