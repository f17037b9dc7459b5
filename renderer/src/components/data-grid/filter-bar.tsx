import { useEffect, useState, type FormEvent } from 'react'
import {
  FILTER_OPERATORS,
  FILTER_OPERATOR_LABELS,
  VALUELESS_OPERATORS,
  type FilterOperator,
  type FilterSpec,
} from '../../../../contract/data-browser.ts'
import type { GridColumn } from '../../../../contract/data-grid.ts'

/** A filter as the bar edits it: the value as typed (a list is comma-separated). */
interface DraftFilter {
  column: string
  op: FilterOperator
  text: string
}

function toDraft(filter: FilterSpec): DraftFilter {
  const value = filter.value
  return { column: filter.column, op: filter.op, text: Array.isArray(value) ? value.join(', ') : (value ?? '') }
}

/** The filter the server gets: no value for IS NULL, a list for "is one of", otherwise the text exactly as typed. */
export function fromDraft(draft: DraftFilter): FilterSpec {
  if (VALUELESS_OPERATORS.has(draft.op)) return { column: draft.column, op: draft.op }
  if (draft.op === 'in') {
    const values = draft.text.split(',').map((v) => v.trim()).filter((v) => v !== '')
    return { column: draft.column, op: 'in', value: values }
  }
  return { column: draft.column, op: draft.op, value: draft.text }
}

export interface FilterBarProps {
  columns: readonly GridColumn[]
  value: readonly FilterSpec[]
  onChange: (next: FilterSpec[]) => void
  /** The server's complaint about a filter, by field (`filters.2.value`), shown beside that filter. */
  error?: { field?: string | undefined; message: string } | undefined
}

/**
 * Column, operator, value — as many as needed, ANDed. Edits are drafts until
 * Apply (or Enter), so a half-typed value never hits the database.
 */
export function FilterBar({ columns, value, onChange, error }: FilterBarProps) {
  const [drafts, setDrafts] = useState<DraftFilter[]>(() => value.map(toDraft))
  useEffect(() => setDrafts(value.map(toDraft)), [value])
  const errorIndex = error?.field === undefined ? undefined : /^filters\.(\d+)/.exec(error.field)?.[1]

  const update = (index: number, patch: Partial<DraftFilter>): void =>
    setDrafts((list) => list.map((draft, i) => (i === index ? { ...draft, ...patch } : draft)))
  const apply = (list: DraftFilter[]): void => onChange(list.map(fromDraft))
  const submit = (event: FormEvent): void => {
    event.preventDefault()
    apply(drafts)
  }
  const first = columns[0]?.name ?? ''

  return (
    <form className="filter-bar" onSubmit={submit} aria-label="Filters" data-testid="filter-bar">
      {drafts.map((draft, index) => {
        const invalid = errorIndex !== undefined && Number(errorIndex) === index
        return (
          <div className={`filter-bar__row ${invalid ? 'filter-bar__row--invalid' : ''}`} key={index} data-testid="filter-row">
            <select
              className="input filter-bar__column"
              aria-label={`Filter ${index + 1} column`}
              value={draft.column}
              onChange={(event) => update(index, { column: event.target.value })}
            >
              {!columns.some((c) => c.name === draft.column) && <option value={draft.column}>{draft.column} (missing)</option>}
              {columns.map((column) => (
                <option key={column.name} value={column.name}>
                  {column.name}
                </option>
              ))}
            </select>
            <select
              className="input filter-bar__op"
              aria-label={`Filter ${index + 1} operator`}
              value={draft.op}
              onChange={(event) => update(index, { op: event.target.value as FilterOperator })}
            >
              {FILTER_OPERATORS.map((op) => (
                <option key={op} value={op}>
                  {FILTER_OPERATOR_LABELS[op]}
                </option>
              ))}
            </select>
            {!VALUELESS_OPERATORS.has(draft.op) && (
              <input
                className="input filter-bar__value"
                aria-label={`Filter ${index + 1} value`}
                aria-invalid={invalid}
                placeholder={draft.op === 'in' ? 'a, b, c' : 'value (empty = empty string)'}
                value={draft.text}
                onChange={(event) => update(index, { text: event.target.value })}
              />
            )}
            <button
              type="button"
              className="button button--small"
              aria-label={`Remove filter ${index + 1}`}
              onClick={() => {
                const next = drafts.filter((_, i) => i !== index)
                setDrafts(next)
                apply(next)
              }}
            >
              ×
            </button>
          </div>
        )
      })}
      {error && (
        <div className="field__error filter-bar__error" role="alert" data-testid="filter-error">
          {error.message}
        </div>
      )}
      <div className="filter-bar__actions">
        <button
          type="button"
          className="button button--small"
          disabled={first === ''}
          onClick={() => setDrafts((list) => [...list, { column: first, op: 'eq', text: '' }])}
        >
          + Add filter
        </button>
        {drafts.length > 0 && (
          <button type="submit" className="button button--small button--primary">
            Apply
          </button>
        )}
      </div>
    </form>
  )
}
