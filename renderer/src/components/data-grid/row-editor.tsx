import { useState, type FormEvent } from 'react'
import type { GridCell, GridColumn } from '../../../../contract/data-grid.ts'
import { DialogActions } from '../dialog-parts.tsx'
import { Modal } from '../modal.tsx'

/** What a field of the editor holds: left to the column default (insert only), NULL, or text. */
type FieldState = { mode: 'default' } | { mode: 'null' } | { mode: 'value'; text: string }

export interface RowEditorProps {
  columns: readonly GridColumn[]
  /** The row being edited, or undefined for a new one. */
  row?: readonly GridCell[] | undefined
  /** Indices of cells that arrived cut short: they cannot be edited (the full value was never loaded). */
  truncatedColumns?: ReadonlySet<number>
  onSave: (values: Record<string, GridCell>) => Promise<void>
  onClose: () => void
  /** The server's complaint, by field (`values.score`) where it names one. */
  error?: { field?: string | undefined; message: string } | undefined
}

function initialState(column: GridColumn, value: GridCell | undefined, isNew: boolean): FieldState {
  if (isNew) return column.hasDefault || column.readOnlyReason ? { mode: 'default' } : column.nullable === false ? { mode: 'value', text: '' } : { mode: 'null' }
  return value === null || value === undefined ? { mode: 'null' } : { mode: 'value', text: value }
}

function sameAs(state: FieldState, value: GridCell | undefined): boolean {
  if (state.mode === 'default') return true
  if (state.mode === 'null') return value === null
  return state.text === value
}

/**
 * A row as a form: one field per column with its type, NULL as an explicit
 * switch (so it is never confused with an empty string), and for a new row
 * "default" for columns PostgreSQL fills in. Only changed columns are sent.
 */
export function RowEditor({ columns, row, truncatedColumns, onSave, onClose, error }: RowEditorProps) {
  const isNew = row === undefined
  const [fields, setFields] = useState<FieldState[]>(() => columns.map((column, i) => initialState(column, row?.[i], isNew)))
  const [busy, setBusy] = useState(false)
  const set = (index: number, state: FieldState): void => setFields((list) => list.map((s, i) => (i === index ? state : s)))

  const changes = (): Record<string, GridCell> => {
    const values: Record<string, GridCell> = {}
    fields.forEach((state, i) => {
      const column = columns[i] as GridColumn
      if (state.mode === 'default' || column.readOnlyReason) return
      if (!isNew && sameAs(state, row?.[i])) return
      values[column.name] = state.mode === 'null' ? null : state.text
    })
    return values
  }

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    setBusy(true)
    try {
      await onSave(changes())
    } finally {
      setBusy(false)
    }
  }
  const unchanged = !isNew && Object.keys(changes()).length === 0
  // A problem that names no column of this form (a conflict, the key, the table) is shown above the fields.
  const errorColumn = error?.field?.startsWith('values.') ? error.field.slice('values.'.length) : undefined
  const general = error !== undefined && !columns.some((column) => column.name === errorColumn)

  return (
    <Modal title={isNew ? 'New row' : 'Edit row'} onClose={onClose} testId="row-editor" className="modal--wide row-editor">
      <form onSubmit={(event) => void submit(event)} noValidate>
        {error && general && (
          <div className="alert alert--error" role="alert" data-testid="row-editor-error">
            <span className="alert__message">{error.message}</span>
          </div>
        )}
        {columns.map((column, i) => {
          const state = fields[i] as FieldState
          const fieldError = error?.field === `values.${column.name}` ? error.message : undefined
          const locked = Boolean(column.readOnlyReason) || (!isNew && column.primaryKey === true) || truncatedColumns?.has(i) === true
          const id = `row-editor-${i}`
          const multiline = column.kind === 'json' || column.kind === 'array' || (state.mode === 'value' && (state.text.length > 60 || state.text.includes('\n')))
          return (
            <div className="row-editor__field" key={column.name} data-column={column.name}>
              <label htmlFor={id} className="row-editor__label">
                <span className="row-editor__name">{column.name}</span>
                <span className="row-editor__type">
                  {column.type}
                  {column.nullable === false ? ' · not null' : ''}
                  {column.primaryKey ? ' · key' : ''}
                </span>
              </label>
              <div className="row-editor__input">
                {state.mode === 'value' ? (
                  multiline ? (
                    <textarea
                      id={id}
                      className="input input--mono"
                      rows={Math.min(10, Math.max(3, state.text.split('\n').length))}
                      value={state.text}
                      disabled={locked}
                      aria-invalid={fieldError !== undefined}
                      onChange={(event) => set(i, { mode: 'value', text: event.target.value })}
                    />
                  ) : (
                    <input
                      id={id}
                      className="input"
                      value={state.text}
                      disabled={locked}
                      aria-invalid={fieldError !== undefined}
                      onChange={(event) => set(i, { mode: 'value', text: event.target.value })}
                    />
                  )
                ) : (
                  <output id={id} className={`row-editor__placeholder row-editor__placeholder--${state.mode}`}>
                    {state.mode === 'null' ? 'NULL' : 'default'}
                  </output>
                )}
                {!locked && (
                  <span className="row-editor__modes" role="group" aria-label={`Value of ${column.name}`}>
                    {state.mode !== 'value' && (
                      <button type="button" className="button button--small" onClick={() => set(i, { mode: 'value', text: '' })}>
                        Set value
                      </button>
                    )}
                    {state.mode !== 'null' && column.nullable !== false && (
                      <button type="button" className="button button--small" aria-label={`Set ${column.name} to NULL`} onClick={() => set(i, { mode: 'null' })}>
                        NULL
                      </button>
                    )}
                    {isNew && state.mode !== 'default' && column.hasDefault && (
                      <button type="button" className="button button--small" onClick={() => set(i, { mode: 'default' })}>
                        Default
                      </button>
                    )}
                  </span>
                )}
              </div>
              {locked && (
                <div className="field__hint">
                  {column.readOnlyReason ?? (truncatedColumns?.has(i) ? 'too long to edit here (only the start was loaded)' : 'the row’s key')}
                </div>
              )}
              {fieldError && (
                <div className="field__error" role="alert">
                  {fieldError}
                </div>
              )}
            </div>
          )
        })}
        <DialogActions onClose={onClose}>
          <button type="submit" className="button button--primary" disabled={busy || unchanged}>
            {busy ? 'Saving…' : isNew ? 'Insert row' : 'Save changes'}
          </button>
        </DialogActions>
      </form>
    </Modal>
  )
}
