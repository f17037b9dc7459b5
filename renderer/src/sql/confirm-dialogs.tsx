import { useState, type FormEvent } from 'react'
import type { FanOutTargetList } from '../../../contract/sql-console.ts'
import { Field } from '../components/field.tsx'
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
        <Field label={`Type ${tenant} to run it`}>
          {(props) => (
            <input
              {...props}
              className="input input--mono"
              autoFocus
              autoComplete="off"
              spellCheck={false}
              value={typed}
              data-testid="sql-confirm-input"
              onChange={(event) => setTyped(event.target.value)}
            />
          )}
        </Field>
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--danger" disabled={!matches} data-testid="sql-confirm-submit">
            Run in {tenant}
          </button>
        </div>
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
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button--danger" disabled={preview.count === 0} onClick={onConfirm} data-testid="sql-fan-out-confirm">
            Write in {preview.count} {preview.count === 1 ? 'tenant' : 'tenants'}
          </button>
        </div>
      </div>
    </Modal>
  )
}
