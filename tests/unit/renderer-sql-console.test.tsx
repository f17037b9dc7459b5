// @vitest-environment happy-dom
import { EditorView } from '@codemirror/view'
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CallInput } from '../../contract/contract.ts'
import { deferred, MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole, settle } from '../../renderer/src/testing/render-console.tsx'
import { completionNamespace } from '../../renderer/src/sql/completion-schema.ts'
import { addToHistory, historyKey, readHistory } from '../../renderer/src/sql/sql-history.ts'
import { resultCsv } from '../../renderer/src/sql/result-export.ts'
import { gridColumn } from './console-actions.tsx'

/*
 * The SQL view over the memory client: the statement under the cursor runs on
 * Ctrl/Cmd+Enter, results in the data grid with "load more", PostgreSQL's
 * error marked in the editor, cancel, read-only by default with a typed
 * confirmation for destructive writes, history per tenant identity, and the
 * fan-out with progress, merged rows, the per-tenant list, cancel and the
 * write preview. (The console's SQL itself is tested against PostgreSQL.)
 */

afterEach(() => {
  cleanup()
  window.localStorage.clear()
})
beforeEach(() => window.history.replaceState(null, '', '#sql'))

async function openAcmeSql(client: MemoryClient): Promise<HTMLElement> {
  renderConsole(client)
  fireEvent.click(await screen.findByRole('option', { name: /acme/ }))
  await waitFor(() => expect(screen.getByTestId('sql-view').dataset.tenant).toBe('acme'))
  // The switch's answers are in: the view is not remounted under the test any more.
  await settle(client)
  return screen.getByTestId('sql-view')
}

function editorOf(view: HTMLElement): EditorView {
  const dom = view.querySelector<HTMLElement>('.cm-editor')
  const editor = dom ? EditorView.findFromDOM(dom) : null
  if (!editor) throw new Error('no CodeMirror editor in the SQL view')
  return editor
}

/** Puts `text` in the editor with the cursor at `cursor` (default: the end), as typing would. */
function typeSql(view: HTMLElement, text: string, cursor = text.length): void {
  const editor = editorOf(view)
  act(() => editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: { anchor: cursor } }))
}

/** Ctrl+Enter (⌘+Enter where the platform is a Mac) in the editor. */
function pressRun(view: HTMLElement): void {
  const mac = /mac/i.test(navigator.platform)
  fireEvent.keyDown(view.querySelector('.cm-content') as HTMLElement, { key: 'Enter', code: 'Enter', keyCode: 13, ctrlKey: !mac, metaKey: mac })
}

function sqlRuns(client: MemoryClient): CallInput<'sql/run'>[] {
  return client.calls.filter((c) => c.name === 'sql/run').map((c) => c.input as CallInput<'sql/run'>)
}

describe('SQL view, one tenant', () => {
  it('runs the statement under the cursor on Ctrl/Cmd+Enter and shows its rows with their types', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const view = await openAcmeSql(client)
    const text = 'SELECT 1;\nSELECT * FROM customers;\nSELECT 2'
    typeSql(view, text, text.indexOf('customers'))
    pressRun(view)
    const grid = await within(view).findByTestId('sql-grid')
    expect(gridColumn(grid, 'name')).toEqual(['Wile E. Coyote', 'Road Runner Logistics'])
    expect(within(grid).getAllByTestId('grid-column-type').map((t) => t.textContent)).toEqual(['bigint', 'text', 'text', 'timestamp with time zone'])
    expect(sqlRuns(client).map((run) => [run.tenant, run.sql, run.write])).toEqual([['acme', 'SELECT * FROM customers', undefined]])
    expect(within(view).getByTestId('sql-summary').textContent).toMatch(/^2 rows · \d+ ms · read-only$/)
  })

  it('completes from the tenant’s catalog', async () => {
    const client = new MemoryClient(DEMO_SEED)
    await openAcmeSql(client)
    await waitFor(() => expect(client.calls.some((c) => c.name === 'sql/catalog' && (c.input as { tenant: string }).tenant === 'acme')).toBe(true))
    const catalog = await client.call('sql/catalog', { tenant: 'acme' })
    const namespace = completionNamespace({
      ...catalog,
      tables: [...catalog.tables, { schema: 'public', name: 'plans', kind: 'table', shared: true, columns: [{ name: 'code', type: 'text' }] }],
    }) as Record<string, { children: unknown }>
    expect(Object.keys(namespace).sort()).toEqual(['acme', 'customers', 'orders', 'plans', 'public'])
    expect(namespace.customers?.children).toEqual(expect.arrayContaining([{ label: 'email', type: 'property', detail: 'text' }]))
  })

  it('marks PostgreSQL’s error position in the editor, on the statement it came from', async () => {
    const view = await openAcmeSql(new MemoryClient(DEMO_SEED))
    const text = 'SELECT 1;\n\n  SELEC name FROM customers'
    typeSql(view, text)
    pressRun(view)
    const error = await within(view).findByTestId('sql-error')
    expect(error.dataset.sqlstate).toBe('42601')
    expect(within(error).getByTestId('sql-error-message').textContent).toBe('syntax error at or near "SELEC"')
    expect(within(error).getByTestId('sql-error-position').textContent).toBe('line 3, column 3')
    await waitFor(() => expect(view.querySelector('.cm-lintRange-error')?.textContent).toBe('SELEC'))
  })

  it('cancels a running statement through sql/cancel with its run id', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const view = await openAcmeSql(client)
    typeSql(view, 'SELECT pg_sleep(30)')
    fireEvent.click(within(view).getByTestId('sql-run'))
    fireEvent.click(await within(view).findByTestId('sql-cancel'))
    const error = await within(view).findByTestId('sql-error')
    expect(error.dataset.code).toBe('CANCELLED')
    expect(client.sql.cancelled).toEqual([sqlRuns(client)[0]?.runId])
    expect(within(view).getByTestId('sql-run')).toBeTruthy()
  })

  it('shows a page at the row limit and loads more until the end', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const view = await openAcmeSql(client)
    fireEvent.change(within(view).getByTestId('sql-limit'), { target: { value: '100' } })
    typeSql(view, 'SELECT n FROM generate_series(1, 250) AS n')
    pressRun(view)
    const grid = await within(view).findByTestId('sql-grid')
    expect(within(grid).getAllByTestId('grid-row')).toHaveLength(100)
    fireEvent.click(within(grid).getByTestId('grid-load-more'))
    await waitFor(() => expect(within(grid).getAllByTestId('grid-row')).toHaveLength(200))
    fireEvent.click(within(grid).getByTestId('grid-load-more'))
    await waitFor(() => expect(within(grid).getAllByTestId('grid-row')).toHaveLength(250))
    expect(within(grid).queryByTestId('grid-load-more')).toBeNull()
    expect(gridColumn(grid, 'n').at(-1)).toBe('250')
    expect(client.calls.filter((c) => c.name === 'sql/more').map((c) => (c.input as { limit: number }).limit)).toEqual([100, 100])
  })

  it('is read-only by default; with writes allowed a destructive statement needs the tenant typed', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const view = await openAcmeSql(client)
    typeSql(view, 'DELETE FROM customers')
    pressRun(view)
    expect((await within(view).findByTestId('sql-error')).dataset.sqlstate).toBe('25006')
    expect(screen.queryByTestId('sql-confirm-destructive')).toBeNull()

    fireEvent.click(within(within(view).getByTestId('sql-allow-writes')).getByRole('switch'))
    pressRun(view)
    const dialog = await screen.findByTestId('sql-confirm-destructive')
    expect(dialog.textContent).toMatch(/DELETE without WHERE changes every row of customers/)
    const submit = within(dialog).getByTestId<HTMLButtonElement>('sql-confirm-submit')
    fireEvent.change(within(dialog).getByTestId('sql-confirm-input'), { target: { value: 'globex' } })
    expect(submit.disabled).toBe(true)
    fireEvent.change(within(dialog).getByTestId('sql-confirm-input'), { target: { value: 'acme' } })
    fireEvent.click(submit)
    await waitFor(() => expect(within(view).getByTestId('sql-results').dataset.command).toBe('DELETE'))
    expect(sqlRuns(client).map((run) => [run.write, run.confirm])).toEqual([
      [undefined, undefined],
      [true, 'acme'],
    ])
  })

  it('keeps a history per tenant identity, across a reload, and puts an entry back in the editor', async () => {
    const client = new MemoryClient(DEMO_SEED)
    let view = await openAcmeSql(client)
    typeSql(view, 'SELECT count(*) FROM customers')
    pressRun(view)
    await within(view).findByTestId('sql-grid')
    cleanup()
    view = await openAcmeSql(client)
    fireEvent.click(within(view).getByTestId('sql-history-toggle'))
    const entries = within(view).getAllByTestId('sql-history-entry')
    expect(entries.map((e) => e.textContent)).toEqual(['SELECT count(*) FROM customers'])
    fireEvent.click(entries[0] as HTMLElement)
    expect(editorOf(view).state.doc.toString()).toBe('SELECT count(*) FROM customers')

    fireEvent.click(await screen.findByRole('option', { name: /globex/ }))
    await waitFor(() => expect(screen.getByTestId('sql-view').dataset.tenant).toBe('globex'))
    fireEvent.click(within(screen.getByTestId('sql-view')).getByTestId('sql-history-toggle'))
    expect(within(screen.getByTestId('sql-view')).queryAllByTestId('sql-history-entry')).toHaveLength(0)
  })
})

describe('SQL history storage', () => {
  it('keys by schema and creation time, moves a repeated statement up, and survives a broken entry', () => {
    const key = historyKey({ schema: 'acme', createdAt: '2026-01-01T00:00:00.000Z' })
    expect(key).not.toBe(historyKey({ schema: 'acme', createdAt: '2026-02-01T00:00:00.000Z' }))
    addToHistory(window.localStorage, key, { sql: 'SELECT 1', at: 'a', ok: true })
    addToHistory(window.localStorage, key, { sql: 'SELECT 2', at: 'b', ok: false })
    addToHistory(window.localStorage, key, { sql: 'SELECT 1', at: 'c', ok: true })
    expect(readHistory(window.localStorage, key).map((e) => e.sql)).toEqual(['SELECT 1', 'SELECT 2'])
    window.localStorage.setItem(key, '{not json')
    expect(readHistory(window.localStorage, key)).toEqual([])
  })

  it('exports NULL as an empty CSV field and the empty string quoted', () => {
    expect(resultCsv([{ name: 'a', type: 'text', kind: 'text' }, { name: 'b', type: 'text', kind: 'text' }], [[null, ''], ['x,y', 'say "hi"']])).toBe(
      'a,b\r\n,""\r\n"x,y","say ""hi"""\r\n',
    )
  })
})

describe('SQL view, fan-out', () => {
  it('runs in all tenants with progress, merges rows with a tenant column, lists each tenant', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const gates = [deferred(), deferred(), deferred()]
    let next = 0
    client.sql.pace = () => (gates[next++] as ReturnType<typeof deferred>).promise
    const view = await openAcmeSql(client)
    typeSql(view, 'SELECT name FROM customers')
    fireEvent.click(within(view).getByTestId('sql-run-all'))
    const fanOut = await within(view).findByTestId('fan-out')
    expect(fanOut.dataset.state).toBe('running')
    await waitFor(() => expect(within(fanOut).getByTestId('fan-out-counts').textContent).toMatch(/^0 of 3 done · 0 failed · 3 remaining/))
    act(() => gates[0]?.release())
    await waitFor(() => expect(within(fanOut).getByTestId('fan-out-counts').textContent).toMatch(/^1 of 3 done · 0 failed · 2 remaining/))
    expect(within(fanOut).getByTestId('fan-out-progress').getAttribute('aria-valuenow')).toBe('33')
    act(() => gates[1]?.release())
    act(() => gates[2]?.release())
    await waitFor(() => expect(fanOut.dataset.state).toBe('done'))
    const grid = within(fanOut).getByTestId('fan-out-grid')
    // Each tenant cell is its colour badge (initials) and its schema.
    expect(gridColumn(grid, 'tenant').map((text) => text.replace(/^[A-Z]+/, ''))).toEqual(['acme', 'acme', 'globex', 'initech'])
    expect(gridColumn(grid, 'name')).toEqual(['Wile E. Coyote', 'Road Runner Logistics', 'Hank Scorpio', 'Peter Gibbons'])
    expect(within(grid).getAllByTestId('fan-out-cell-tenant')[0]?.querySelector('.tenant-badge')).toBeTruthy()
    expect(within(fanOut).getAllByTestId('fan-out-tenant').map((t) => t.dataset.schema)).toEqual(['acme', 'globex', 'initech'])
    expect(client.calls.find((c) => c.name === 'sql/fan-out')?.input).toMatchObject({ sql: 'SELECT name FROM customers', targets: { all: true } })
  })

  it('lists a failing tenant with its SQLSTATE first, and cancel skips the tenants not started', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const gates = [deferred(), deferred(), deferred()]
    let next = 0
    client.sql.pace = () => (gates[next++] as ReturnType<typeof deferred>).promise
    const view = await openAcmeSql(client)
    typeSql(view, 'SELECT * FROM public.tenants')
    fireEvent.click(within(view).getByTestId('sql-run-all'))
    const fanOut = await within(view).findByTestId('fan-out')
    act(() => gates[0]?.release())
    await waitFor(() => expect(within(fanOut).getAllByTestId('fan-out-tenant')).toHaveLength(1))
    expect(within(fanOut).getByTestId('fan-out-tenant-error').textContent).toBe('42501 permission denied for table tenants')
    fireEvent.click(within(fanOut).getByTestId('fan-out-cancel'))
    await waitFor(() => expect(client.sql.cancelled).toHaveLength(1))
    act(() => gates[1]?.release())
    await waitFor(() => expect(fanOut.dataset.state).toBe('cancelled'))
    expect(within(fanOut).getByTestId('fan-out-cancelled').textContent).toMatch(/cancelled, 2 not started/)
    expect(within(fanOut).getByTestId('fan-out-failed').textContent).toBe('1')
  })

  it('previews a write in many tenants and sends the confirmed count', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const view = await openAcmeSql(client)
    fireEvent.click(within(view).getByTestId('sql-pick'))
    const picker = within(view).getByTestId('sql-tenant-picker')
    fireEvent.click(picker.querySelector('[data-schema="initech"]') as HTMLElement)
    fireEvent.click(within(within(view).getByTestId('sql-allow-writes')).getByRole('switch'))
    typeSql(view, "UPDATE customers SET name = 'x' WHERE id = 0")
    fireEvent.click(within(view).getByTestId('sql-run-selected'))
    const dialog = await screen.findByTestId('sql-confirm-fan-out')
    expect(within(dialog).getByTestId('sql-fan-out-preview-count').textContent).toMatch(/in 2 tenants/)
    expect(within(dialog).getByTestId('sql-fan-out-preview-sample').textContent).toBe('acme, initech')
    expect(client.calls.some((c) => c.name === 'sql/fan-out')).toBe(false)
    fireEvent.click(within(dialog).getByTestId('sql-fan-out-confirm'))
    await waitFor(() => expect(within(view).getByTestId('fan-out').dataset.state).toBe('done'))
    expect(client.calls.find((c) => c.name === 'sql/fan-out')?.input).toMatchObject({ write: true, confirmTenants: 2, targets: { tenants: ['acme', 'initech'] } })
  })
})
