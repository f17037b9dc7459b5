import { useRef, useState } from 'react'
import { ContractError } from '../../../contract/contract.ts'
import type { TenantInfo } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { domainProblem, parseDomains } from '../validation.ts'
import { withoutFieldPrefix } from './create-tenant-dialog.tsx'
import { Field } from './field.tsx'
import { DialogActions, FormAlert } from './dialog-parts.tsx'
import { Modal } from './modal.tsx'
import { TenantBadge } from './tenant-badge.tsx'
import { TenantLifecycleSection } from './tenant-lifecycle-section.tsx'

export interface ManageTenantDialogProps {
  tenant: TenantInfo
  /** After any change, with the tenant as the server now has it. */
  onChanged: (tenant: TenantInfo) => void
  /** A lifecycle action changed the registry (clone, rename, restore, swap, archive, move). */
  onLifecycle: (change: { renamedTo?: TenantInfo; gone?: boolean }, notice: string | undefined) => void
  onDrop: () => void
  onClose: () => void
}

/** Domains, suspend/resume and the way to dropping a tenant. */
export function ManageTenantDialog({ tenant, onChanged, onLifecycle, onDrop, onClose }: ManageTenantDialogProps) {
  const client = useClient()
  const [domains, setDomains] = useState<string[]>(tenant.domains)
  const [draft, setDraft] = useState('')
  const [draftError, setDraftError] = useState<string | undefined>(undefined)
  const [domainsError, setDomainsError] = useState<string | undefined>(undefined)
  const [statusError, setStatusError] = useState<string | undefined>(undefined)
  const [status, setStatus] = useState(tenant.status)
  const [busy, setBusy] = useState<'domains' | 'status' | null>(null)
  const [saved, setSaved] = useState<string | undefined>(undefined)
  const dirty = domains.join('\n') !== tenant.domains.join('\n')
  // A rename reopens the dialog under the new name and an archive or move closes it: the app shows their notice.
  const lastNotice = useRef<string | undefined>(undefined)

  const addDraft = () => {
    const additions = parseDomains(draft)
    if (additions.length === 0) return
    for (const d of additions) {
      const problem = domainProblem(d)
      if (problem) return setDraftError(`"${d}" ${problem}`)
      if (domains.includes(d)) return setDraftError(`"${d}" is already listed`)
    }
    setDomains([...domains, ...additions])
    setDraft('')
    setDraftError(undefined)
  }

  const saveDomains = async () => {
    setBusy('domains')
    setDomainsError(undefined)
    setSaved(undefined)
    try {
      const updated = await client.call('tenants/set-domains', { schema: tenant.schema, domains })
      setDomains(updated.domains)
      setSaved('Domains saved.')
      onChanged(updated)
    } catch (error) {
      setDomainsError(error instanceof ContractError ? `Refused by the server: ${withoutFieldPrefix(error)}` : errorMessage(error))
    } finally {
      setBusy(null)
    }
  }

  const toggleStatus = async () => {
    setBusy('status')
    setStatusError(undefined)
    setSaved(undefined)
    try {
      const updated = await client.call('tenants/set-status', {
        schema: tenant.schema,
        status: status === 'active' ? 'suspended' : 'active',
      })
      setStatus(updated.status)
      setSaved(updated.status === 'suspended' ? 'Tenant suspended.' : 'Tenant resumed.')
      onChanged(updated)
    } catch (error) {
      setStatusError(errorMessage(error))
    } finally {
      setBusy(null)
    }
  }

  return (
    <Modal title={`Manage ${tenant.name}`} onClose={onClose} testId="manage-tenant-dialog" className="modal--wide">
      <div className="manage__head">
        <TenantBadge name={tenant.name} schema={tenant.schema} size="large" />
        <div>
          <div className="manage__name">{tenant.name}</div>
          <code className="manage__schema">{tenant.schema}</code>
        </div>
      </div>

      <section className="manage__section" aria-labelledby="manage-domains">
        <h3 id="manage-domains">Domains</h3>
        {domains.length === 0 ? (
          <p className="field__error" role="alert">
            A tenant needs at least one domain: add one before saving.
          </p>
        ) : (
          <ul className="chips" aria-label="Domains" data-testid="domain-list">
            {domains.map((d) => (
              <li key={d} className="chip">
                <code>{d}</code>
                <button
                  type="button"
                  className="chip__remove"
                  aria-label={`Remove ${d}`}
                  onClick={() => setDomains(domains.filter((x) => x !== d))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="inline-form">
          <Field label="Add a domain" error={draftError}>
            {(props) => (
              <input
                {...props}
                className="input input--mono"
                value={draft}
                placeholder={`${tenant.schema}.example.com`}
                spellCheck={false}
                data-testid="domain-input"
                onChange={(event) => {
                  setDraft(event.target.value)
                  setDraftError(undefined)
                }}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') {
                    event.preventDefault()
                    addDraft()
                  }
                }}
              />
            )}
          </Field>
          <button type="button" className="button" onClick={addDraft}>
            Add
          </button>
        </div>
        <FormAlert message={domainsError} />
        <button type="button" className="button button--primary" disabled={!dirty || domains.length === 0 || busy !== null} onClick={() => void saveDomains()} data-testid="save-domains">
          {busy === 'domains' ? 'Saving…' : 'Save domains'}
        </button>
      </section>

      <section className="manage__section" aria-labelledby="manage-status">
        <h3 id="manage-status">Status</h3>
        <p>
          This tenant is <strong data-testid="tenant-status">{status}</strong>.{' '}
          {status === 'active' ? 'Suspending it refuses its API requests and data calls; nothing is deleted.' : 'Resuming it lets it be used again.'}
        </p>
        <FormAlert message={statusError} />
        <button
          type="button"
          className={`button ${status === 'active' ? 'button--warning' : 'button--primary'}`}
          disabled={busy !== null}
          onClick={() => void toggleStatus()}
          data-testid="toggle-status"
        >
          {busy === 'status' ? 'Saving…' : status === 'active' ? 'Suspend tenant' : 'Resume tenant'}
        </button>
      </section>

      <TenantLifecycleSection
        tenant={tenant}
        onNotice={(text) => {
          lastNotice.current = text
          setSaved(text)
        }}
        onChanged={(change) => onLifecycle(change, lastNotice.current)}
      />

      <section className="manage__section manage__section--danger" aria-labelledby="manage-drop">
        <h3 id="manage-drop">Drop</h3>
        <p>Drops the schema with all its tables and rows, the tenant's role, and its registry entry. This cannot be undone.</p>
        <button type="button" className="button button--danger" onClick={onDrop} data-testid="open-drop">
          Drop tenant…
        </button>
      </section>

      {saved && (
        <p className="manage__saved" role="status">
          {saved}
        </p>
      )}
      <DialogActions onClose={onClose} closeLabel="Close" />
    </Modal>
  )
}
