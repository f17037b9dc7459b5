import { useState, type FormEvent } from 'react'
import type { TenantInfo } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { DialogActions, FormAlert, TypeToConfirm } from './dialog-parts.tsx'
import { Modal } from './modal.tsx'

/** Dropping needs the schema name typed out: a stray click or Enter cannot drop a tenant. */
export function DropTenantDialog({ tenant, onDropped, onClose }: { tenant: TenantInfo; onDropped: () => void; onClose: () => void }) {
  const client = useClient()
  const [confirm, setConfirm] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const matches = confirm === tenant.schema

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!matches) return
    setBusy(true)
    setError(undefined)
    try {
      await client.call('tenants/drop', { schema: tenant.schema, confirm })
      onDropped()
    } catch (e) {
      setError(errorMessage(e))
      setBusy(false)
    }
  }

  return (
    <Modal title={`Drop ${tenant.name}?`} onClose={onClose} testId="drop-tenant-dialog">
      <form className="form" onSubmit={(event) => void submit(event)}>
        <p>
          This drops the schema <code>{tenant.schema}</code> with every table and row in it, and the tenant's role. It cannot be undone.
        </p>
        <TypeToConfirm label={`Type ${tenant.schema} to confirm`} value={confirm} onChange={setConfirm} testId="drop-confirm-input" />
        <FormAlert message={error} />
        <DialogActions onClose={onClose}>
          <button type="submit" className="button button--danger" disabled={!matches || busy} data-testid="drop-submit">
            {busy ? 'Dropping…' : `Drop ${tenant.schema}`}
          </button>
        </DialogActions>
      </form>
    </Modal>
  )
}
