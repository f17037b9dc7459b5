import type { ReactNode } from 'react'
import { Field } from './field.tsx'

/** A dialog's button row: a Cancel (or Close) that only closes, then the dialog's own buttons. */
export function DialogActions({ onClose, closeLabel = 'Cancel', children }: { onClose: () => void; closeLabel?: string; children?: ReactNode }) {
  return (
    <div className="form__actions">
      <button type="button" className="button" onClick={onClose}>
        {closeLabel}
      </button>
      {children}
    </div>
  )
}

/** A form's error, announced; nothing when there is none. */
export function FormAlert({ message, testId }: { message: string | undefined; testId?: string }) {
  if (!message) return null
  return (
    <div className="alert alert--error" role="alert" data-testid={testId}>
      {message}
    </div>
  )
}

/** The field a destructive action's name is typed back into: a stray click or Enter cannot run it. */
export function TypeToConfirm({ label, value, onChange, testId }: { label: string; value: string; onChange: (value: string) => void; testId: string }) {
  return (
    <Field label={label}>
      {(props) => (
        <input
          {...props}
          className="input input--mono"
          autoFocus
          autoComplete="off"
          spellCheck={false}
          value={value}
          data-testid={testId}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  )
}
