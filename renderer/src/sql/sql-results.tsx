import type { SqlFailure } from '../../../contract/sql-console.ts'
import { DataGrid } from '../components/data-grid/data-grid.tsx'
import { formatCount } from '../components/data-grid/cell-format.ts'
import { downloadResult } from './result-export.ts'
import type { SqlRunState } from './use-sql-run.ts'
import { FormAlert } from '../components/dialog-parts.tsx'

const FORMATS = ['csv', 'json'] as const

/** Line and column (1-based) of an offset, for the message under the editor. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const lines = before.split('\n')
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 }
}

/** PostgreSQL's refusal as the console shows it: SQLSTATE, message, where (line and column in the editor), detail and hint. */
export function SqlFailureMessage({ failure, text, offset }: { failure: SqlFailure; text: string; offset: number | undefined }) {
  const at = offset === undefined ? undefined : lineAndColumn(text, offset)
  const title = failure.code === 'CANCELLED' ? 'Cancelled' : failure.code === 'TIMEOUT' ? 'Timed out' : failure.sqlState ? `Error ${failure.sqlState}` : 'Not run'
  return (
    <div className="alert alert--error sql-failure" role="alert" data-testid="sql-error" data-code={failure.code} data-sqlstate={failure.sqlState}>
      <span className="alert__title">{title}</span>
      <span className="alert__message" data-testid="sql-error-message">
        {failure.message}
      </span>
      {at && (
        <span className="sql-failure__where" data-testid="sql-error-position">
          line {at.line}, column {at.column}
        </span>
      )}
      {failure.detail && <p className="sql-failure__detail">{failure.detail}</p>}
      {failure.hint && <p className="sql-failure__hint">Hint: {failure.hint}</p>}
    </div>
  )
}

/** A statement's result: its rows in the data grid (types, NULLs, the JSON reader, export, "load more"), or what it did. */
export function SqlResults({ state, onLoadMore }: { state: Extract<SqlRunState, { status: 'done' }>; onLoadMore: () => void }) {
  const { answer, rows, resultId, rowCount } = state
  const summary =
    answer.columns.length === 0
      ? `${answer.command}${rowCount === null ? '' : ` ${formatCount(rowCount)}`}`
      : `${formatCount(rows.length)}${resultId === null ? '' : '+'} ${rows.length === 1 && resultId === null ? 'row' : 'rows'}`
  return (
    <section className="sql-results" data-testid="sql-results" data-command={answer.command}>
      <p className="sql-results__summary" data-testid="sql-summary">
        {summary} · {Math.round(answer.ms)} ms{answer.wrote ? ' · committed' : ' · read-only'}
      </p>
      <FormAlert message={state.moreError} testId="sql-more-error" />
      {answer.columns.length > 0 && (
        <DataGrid
          columns={answer.columns}
          rows={rows}
          label="Statement result"
          testId="sql-grid"
          paging={{ hasMore: resultId !== null, loading: state.loadingMore, onLoadMore }}
          exporting={{ formats: FORMATS, onExport: (format) => downloadResult(format, `${answer.tenant}-result`, answer.columns, rows) }}
        />
      )}
    </section>
  )
}
