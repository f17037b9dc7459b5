import { useState } from 'react'
import type { GridColumn } from '../../../../contract/data-grid.ts'
import { Modal } from '../modal.tsx'
import { formatCount, readerText } from './cell-format.ts'

export interface CellReaderProps {
  column: GridColumn
  value: string
  /** The value's full length when the grid received it cut short. */
  fullLength?: number | undefined
  onClose: () => void
}

/** A cell opened whole: pretty JSON or the full text, selectable and copyable. */
export function CellReader({ column, value, fullLength, onClose }: CellReaderProps) {
  const [copied, setCopied] = useState(false)
  const text = readerText(column, value)
  return (
    <Modal title={`${column.name} (${column.type})`} onClose={onClose} testId="cell-reader" className="modal--wide cell-reader">
      {fullLength !== undefined && (
        <p className="cell-reader__note" role="note">
          Showing the first {formatCount(value.length)} of {formatCount(fullLength)} characters. Export the view for the whole value.
        </p>
      )}
      <pre className="cell-reader__text" tabIndex={0} data-testid="cell-reader-text">
        {text}
      </pre>
      <div className="form__actions">
        <button
          type="button"
          className="button"
          onClick={() => {
            void navigator.clipboard?.writeText(text).then(() => setCopied(true))
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button button--primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  )
}
