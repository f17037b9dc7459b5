// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { useState } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { FilterSpec, SortSpec } from '../../contract/data-browser.ts'
import type { GridCell, GridColumn } from '../../contract/data-grid.ts'
import { DataGrid } from '../../renderer/src/components/data-grid/data-grid.tsx'

afterEach(cleanup)

const columns: GridColumn[] = [
  { name: 'id', type: 'bigint', kind: 'number', nullable: false, primaryKey: true, hasDefault: true },
  { name: 'name', type: 'text', kind: 'text', nullable: false },
  { name: 'note', type: 'text', kind: 'text', nullable: true },
  { name: 'data', type: 'jsonb', kind: 'json', nullable: true },
  { name: 'active', type: 'boolean', kind: 'boolean', nullable: true },
]
const rows: GridCell[][] = [
  ['1', 'Ada', '', '{"a": [1, 2], "b": {"c": null}}', 't'],
  ['2', 'Grace', null, null, 'f'],
  ['3', 'Long', 'x'.repeat(500), null, null],
]

function cellsOf(row: HTMLElement): HTMLElement[] {
  return within(row).getAllByTestId('grid-cell')
}

describe('DataGrid', () => {
  it('shows each column’s type, NULL as a badge and the empty string as an empty cell', () => {
    render(<DataGrid label="items" columns={columns} rows={rows} />)
    expect(screen.getAllByTestId('grid-column-type').map((el) => el.textContent)).toEqual(['bigint', 'text', 'text', 'jsonb', 'boolean'])
    const [first, second] = screen.getAllByTestId('grid-row') as [HTMLElement, HTMLElement]
    const a = cellsOf(first)
    const b = cellsOf(second)
    expect(a[2]?.textContent).toBe('')
    expect(a[2]?.dataset.null).toBeUndefined()
    expect(a[2]?.getAttribute('title')).toBe('empty string')
    expect(b[2]?.textContent).toBe('NULL')
    expect(b[2]?.dataset.null).toBe('true')
    expect(a[4]?.textContent).toBe('true')
    expect(b[4]?.textContent).toBe('false')
    expect(screen.getByTestId('grid-loaded').textContent).toBe('3 rows loaded')
  })

  it('opens JSON pretty-printed and long text whole, and says when a value was cut short', () => {
    render(<DataGrid label="items" columns={columns} rows={rows} truncated={[{ row: 2, column: 2, length: 25_000 }]} />)
    const [first, , third] = screen.getAllByTestId('grid-row') as [HTMLElement, HTMLElement, HTMLElement]
    expect(within(cellsOf(first)[3] as HTMLElement).getByTestId('grid-expand')).toBeTruthy()
    fireEvent.click(within(cellsOf(first)[3] as HTMLElement).getByTestId('grid-expand'))
    expect(screen.getByTestId('cell-reader-text').textContent).toBe(JSON.stringify({ a: [1, 2], b: { c: null } }, null, 2))
    fireEvent.click(screen.getByRole('button', { name: 'Close' }))
    expect(cellsOf(third)[2]?.textContent?.length).toBeLessThan(200)
    fireEvent.click(within(cellsOf(third)[2] as HTMLElement).getByTestId('grid-expand'))
    expect(screen.getByTestId('cell-reader-text').textContent).toBe('x'.repeat(500))
    expect(screen.getByRole('note').textContent).toMatch(/first 500 of 25,000 characters/)
  })

  it('cycles a column’s sort ascending → descending → none, marking the header', () => {
    function Harness() {
      const [sort, setSort] = useState<SortSpec | null>(null)
      return <DataGrid label="items" columns={columns} rows={rows} sorting={{ value: sort, onChange: setSort }} />
    }
    render(<Harness />)
    const header = (): HTMLElement => screen.getAllByTestId('grid-column')[1] as HTMLElement
    fireEvent.click(within(header()).getByRole('button'))
    expect(header().getAttribute('aria-sort')).toBe('ascending')
    fireEvent.click(within(header()).getByRole('button'))
    expect(header().getAttribute('aria-sort')).toBe('descending')
    fireEvent.click(within(header()).getByRole('button'))
    expect(header().getAttribute('aria-sort')).toBeNull()
  })

  it('builds filters from the bar: values as typed (empty = empty string), lists for "is one of", none for IS NULL', () => {
    const onChange = vi.fn<(next: FilterSpec[]) => void>()
    render(<DataGrid label="items" columns={columns} rows={rows} filtering={{ value: [], onChange }} />)
    fireEvent.click(screen.getByTestId('grid-filters-toggle'))
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByRole('button', { name: '+ Add filter' }))
    fireEvent.change(screen.getByLabelText('Filter 1 column'), { target: { value: 'note' } })
    fireEvent.change(screen.getByLabelText('Filter 2 operator'), { target: { value: 'in' } })
    fireEvent.change(screen.getByLabelText('Filter 2 value'), { target: { value: '1, 2 ,3' } })
    fireEvent.change(screen.getByLabelText('Filter 3 column'), { target: { value: 'data' } })
    fireEvent.change(screen.getByLabelText('Filter 3 operator'), { target: { value: 'is_null' } })
    expect(screen.queryByLabelText('Filter 3 value')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }))
    expect(onChange).toHaveBeenLastCalledWith([
      { column: 'note', op: 'eq', value: '' },
      { column: 'id', op: 'in', value: ['1', '2', '3'] },
      { column: 'data', op: 'is_null' },
    ])
  })

  it('shows the server’s complaint beside the filter it names', () => {
    render(
      <DataGrid
        label="items"
        columns={columns}
        rows={[]}
        filtering={{
          value: [
            { column: 'name', op: 'eq', value: 'x' },
            { column: 'id', op: 'eq', value: 'abc' },
          ],
          onChange: () => undefined,
          error: { field: 'filters.1.value', message: 'filters.1.value: invalid input syntax for type bigint: "abc"' },
        }}
      />,
    )
    const filterRows = screen.getAllByTestId('filter-row')
    expect(filterRows[1]?.className).toMatch(/invalid/)
    expect(filterRows[0]?.className).not.toMatch(/invalid/)
    expect(screen.getByTestId('filter-error').textContent).toMatch(/bigint/)
  })

  it('offers "load more" while there are more rows, and says where the rows end', () => {
    const onLoadMore = vi.fn()
    const { rerender } = render(<DataGrid label="items" columns={columns} rows={rows} paging={{ hasMore: true, loading: false, onLoadMore }} />)
    fireEvent.click(screen.getByTestId('grid-load-more'))
    expect(onLoadMore).toHaveBeenCalledTimes(1)
    rerender(<DataGrid label="items" columns={columns} rows={rows} paging={{ hasMore: false, loading: false, onLoadMore }} />)
    expect(screen.queryByTestId('grid-load-more')).toBeNull()
    expect(screen.getByText('end of rows')).toBeTruthy()
  })

  it('edits a row sending only what changed, with NULL and the empty string told apart', async () => {
    const onUpdate = vi.fn<(row: number, values: Record<string, GridCell>) => Promise<void>>(() => Promise.resolve())
    const onInsert = vi.fn<(values: Record<string, GridCell>) => Promise<void>>(() => Promise.resolve())
    render(
      <DataGrid
        label="items"
        columns={columns}
        rows={rows}
        editing={{ readOnlyReason: null, onInsert, onUpdate, onDelete: () => Promise.resolve() }}
      />,
    )
    fireEvent.click(screen.getAllByTestId('grid-edit')[0] as HTMLElement)
    const editor = screen.getByTestId('row-editor')
    expect(within(editor).getByLabelText<HTMLInputElement>(/^id/).disabled).toBe(true)
    fireEvent.click(within(editor).getByRole('button', { name: 'Set note to NULL' }))
    fireEvent.change(within(editor).getByLabelText(/^name/), { target: { value: 'Ada L.' } })
    fireEvent.click(within(editor).getByRole('button', { name: 'Save changes' }))
    await vi.waitFor(() => expect(onUpdate).toHaveBeenCalledWith(0, { name: 'Ada L.', note: null }))

    fireEvent.click(screen.getByTestId('grid-insert'))
    const inserting = screen.getByTestId('row-editor')
    // id has a default, name is NOT NULL (starts as an empty value), the rest start NULL.
    expect(within(inserting).getAllByText('default')).toHaveLength(1)
    fireEvent.change(within(inserting).getByLabelText(/^name/), { target: { value: '' } })
    fireEvent.click(within(inserting).getByRole('button', { name: 'Insert row' }))
    await vi.waitFor(() => expect(onInsert).toHaveBeenCalledWith({ name: '', note: null, data: null, active: null }))
  })

  it('keeps the editor open with the server’s message on the field it names', async () => {
    function Harness() {
      const [error, setError] = useState<{ field?: string; message: string } | undefined>(undefined)
      return (
        <DataGrid
          label="items"
          columns={columns}
          rows={rows}
          editing={{
            readOnlyReason: null,
            error,
            onInsert: () => {
              setError({ field: 'values.name', message: 'values.name: must not be NULL' })
              return Promise.reject(new Error('refused'))
            },
            onUpdate: () => Promise.resolve(),
            onDelete: () => Promise.resolve(),
          }}
        />
      )
    }
    render(<Harness />)
    fireEvent.click(screen.getByTestId('grid-insert'))
    fireEvent.click(screen.getByRole('button', { name: 'Insert row' }))
    expect(await screen.findByText('values.name: must not be NULL')).toBeTruthy()
    expect(screen.getByTestId('row-editor')).toBeTruthy()
  })

  it('says why a read-only table cannot be edited, and offers no edit', () => {
    render(
      <DataGrid
        label="logs"
        columns={columns}
        rows={rows}
        editing={{ readOnlyReason: 'no primary key', onInsert: () => Promise.resolve(), onUpdate: () => Promise.resolve(), onDelete: () => Promise.resolve() }}
      />,
    )
    expect(screen.getByTestId('grid-read-only').textContent).toBe('Read-only: no primary key')
    expect(screen.getByTestId<HTMLButtonElement>("grid-insert").disabled).toBe(true)
    expect(screen.getAllByTestId('grid-edit').every((b) => (b as HTMLButtonElement).disabled)).toBe(true)
  })

  it('needs nothing but columns and rows (query results)', () => {
    render(<DataGrid label="result" columns={[{ name: '?column?', type: 'integer', kind: 'number' }]} rows={[['1'], [null]]} />)
    expect(screen.queryByTestId('grid-filters-toggle')).toBeNull()
    expect(screen.queryByTestId('grid-insert')).toBeNull()
    expect(screen.getAllByTestId('grid-cell').map((c) => c.textContent)).toEqual(['1', 'NULL'])
  })
})
