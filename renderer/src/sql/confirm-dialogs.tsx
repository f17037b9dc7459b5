import { useState, type FormEvent } from 'react'
import type { FanOutTargetList } from '../../../contract/sql-console.ts'
import { DialogActions, TypeToConfirm } from '../components/dialog-parts.tsx'
import { Modal } from '../components/modal.tsx'

/**
 * A destructive statement (DROP, TRUNCATE, DELETE/UPDATE without WHERE) with
 * writes allowed runs only after the tenant's schema is typed back; main
 * checks the same text again, so this dialog is not the only guard.
 */
export function ConfirmDestructiveDialog({
  tenant,
  reason,
  onConfirm,
  onClose,
}: {
  tenant: string
  reason: string
  onConfirm: (typed: string) => void
  onClose: () => void
}) {
  const [typed, setTyped] = useState('')
  const matches = typed === tenant
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (matches) onConfirm(typed)
  }
  return (
    <Modal title="Run a destructive statement?" onClose={onClose} testId="sql-confirm-destructive">
      <form className="form" onSubmit={submit}>
        <p>
          {reason}, in tenant <code>{tenant}</code>. It cannot be undone.
        </p>
        <TypeToConfirm label={`Type ${tenant} to run it`} value={typed} onChange={setTyped} testId="sql-confirm-input" />
        <DialogActions onClose={onClose}>
          <button type="submit" className="button button--danger" disabled={!matches} data-testid="sql-confirm-submit">
            Run in {tenant}
          </button>
        </DialogActions>
      </form>
    </Modal>
  )
}

/**
 * A write in many tenants: how many the selection names now (and the first of
 * them), before anything runs. Main refuses the run if the selection has
 * changed from the number confirmed here.
 */
export function ConfirmFanOutWriteDialog({
  preview,
  destructive,
  onConfirm,
  onClose,
}: {
  preview: FanOutTargetList
  /** Why the statement is destructive, when it is. */
  destructive: string | null
  onConfirm: () => void
  onClose: () => void
}) {
  const rest = preview.count - preview.sample.length
  return (
    <Modal title={`Write in ${preview.count} ${preview.count === 1 ? 'tenant' : 'tenants'}?`} onClose={onClose} testId="sql-confirm-fan-out">
      <div className="form">
        <p data-testid="sql-fan-out-preview-count">
          This statement will run with writes allowed in <strong>{preview.count}</strong> {preview.count === 1 ? 'tenant' : 'tenants'}, each in its own
          transaction: a tenant that fails is rolled back and reported, the others keep their changes.
        </p>
        {destructive !== null && (
          <div className="alert alert--warning" role="alert">
            {destructive}.
          </div>
        )}
        <p className="sql-preview-sample" data-testid="sql-fan-out-preview-sample">
          {preview.sample.join(', ')}
          {rest > 0 ? ` and ${rest} more` : ''}
        </p>
        <DialogActions onClose={onClose}>
          <button type="button" className="button button--danger" disabled={preview.count === 0} onClick={onConfirm} data-testid="sql-fan-out-confirm">
            Write in {preview.count} {preview.count === 1 ? 'tenant' : 'tenants'}
          </button>
        </DialogActions>
      </div>
    </Modal>
  )
}
