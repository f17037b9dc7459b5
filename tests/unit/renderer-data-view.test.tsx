// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole, settle } from '../../renderer/src/testing/render-console.tsx'
import { gridColumn } from './console-actions.tsx'

/*
 * The Data view over the in-memory client: the table list, choosing a table,
 * the "Allow edits" switch, a conflict shown in the row editor, and an export.
 * (The browser's rules themselves are tested against PostgreSQL.)
 */

afterEach(cleanup)
beforeEach(() => window.history.replaceState(null, '', '#data'))

async function openAcmeData(client: MemoryClient): Promise<HTMLElement> {
  renderConsole(client)
  fireEvent.click(await screen.findByRole('option', { name: /acme/ }))
  return screen.findByTestId('data-view')
}

describe('Data view', () => {
  it('lists the tenant’s tables with counts and shows the chosen one', async () => {
    const view = await openAcmeData(new MemoryClient(DEMO_SEED))
    const items = await within(view).findAllByTestId('table-list-item')
    expect(items.map((item) => item.dataset.table)).toEqual(['customers', 'orders'])
    await waitFor(() => expect(within(items[0] as HTMLElement).getByTestId('table-list-count').textContent).toBe('2 rows'))
    await waitFor(() => expect(gridColumn(view, 'name')).toEqual(['Wile E. Coyote', 'Road Runner Logistics']))
    fireEvent.click(items[1] as HTMLElement)
    await waitFor(() => expect(within(view).getByTestId('table-browser').dataset.table).toBe('orders'))
    expect(within(view).getByTestId('grid-empty').textContent).toBe('This table has no rows.')
  })

  it('edits only after "Allow edits", and shows a conflict in the editor without closing it', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const view = await openAcmeData(client)
    await waitFor(() => expect(gridColumn(view, 'name')).toHaveLength(2))
    expect(within(view).getByTestId<HTMLButtonElement>('grid-insert').disabled).toBe(true)
    expect(within(view).getByTestId('grid-read-only').textContent).toMatch(/edits are off/)
    fireEvent.click(within(view).getByRole('switch'))
    await waitFor(() => expect(within(view).getByTestId<HTMLButtonElement>('grid-insert').disabled).toBe(false))
    expect(client.calls.filter((c) => c.name === 'data/allow-edits').map((c) => c.input)).toEqual([{ tenant: 'acme', allow: true }])

    // Someone else changes Wile's row after this window read it.
    const rows = await client.call('data/rows', { tenant: 'acme', table: 'customers' })
    await client.call('data/update', { tenant: 'acme', table: 'customers', key: { id: rows.rows[0]?.[0] ?? '' }, version: rows.versions?.[0] ?? '', values: { name: 'Changed Elsewhere' } })

    fireEvent.click(within(view).getAllByTestId('grid-edit')[0] as HTMLElement)
    const editor = await screen.findByTestId('row-editor')
    fireEvent.change(within(editor).getByLabelText(/^name/), { target: { value: 'Mine' } })
    fireEvent.click(within(editor).getByRole('button', { name: 'Save changes' }))
    expect((await within(editor).findByTestId('row-editor-error')).textContent).toMatch(/changed by another session/)
    expect(client.customerNames('acme')[0]).toBe('Changed Elsewhere')
  })

  it('exports the current view and says where it went', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const view = await openAcmeData(client)
    await waitFor(() => expect(gridColumn(view, 'name')).toHaveLength(2))
    fireEvent.click(within(view).getByTestId('grid-export-csv'))
    expect((await within(view).findByTestId('table-notice')).textContent).toContain('Saved 2 rows to /memory/acme-customers.csv.')
    expect(client.calls.find((c) => c.name === 'data/export')?.input).toEqual({ tenant: 'acme', table: 'customers', sort: null, filters: [], format: 'csv' })
  })
})

describe('the demo’s presets', () => {
  const tabs = (): string[] => screen.getAllByRole('tab').map((tab) => tab.textContent ?? '')

  it('are tabs of the demo project', async () => {
    window.history.replaceState(null, '', '#customers')
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    fireEvent.click(await screen.findByRole('option', { name: /acme/ }))
    expect(await screen.findByTestId('customers-view')).toBeTruthy()
    expect(tabs().slice(0, 3)).toEqual(['Customers', 'Orders', 'Data'])
  })

  it('are not offered by another project, whose tenants lack their tables: #customers opens the Data view', async () => {
    window.history.replaceState(null, '', '#customers')
    const client = new MemoryClient(DEMO_SEED)
    client.project = { ...client.project, name: 'Helpdesk', builtin: false }
    renderConsole(client)
    fireEvent.click(await screen.findByRole('option', { name: /acme/ }))
    expect(await screen.findByTestId('data-view')).toBeTruthy()
    await settle(client)
    expect(tabs()).not.toContain('Customers')
    expect(tabs()).not.toContain('Orders')
    expect(screen.queryByTestId('customers-view')).toBeNull()
    // Rows are read only for a table the Data view listed first (the preset would have asked straight away).
    const names = client.calls.map((c) => c.name)
    expect(names.indexOf('data/tables')).toBeGreaterThanOrEqual(0)
    expect(names.indexOf('data/rows')).toBeGreaterThan(names.indexOf('data/tables'))
  })
})
