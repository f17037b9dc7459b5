// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { deferred, MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole, settle } from '../../renderer/src/testing/render-console.tsx'
import { addCustomer, customerNames, openTenant } from './console-actions.tsx'

afterEach(cleanup)

describe('switching tenants', () => {
  it('shows the other tenant’s rows after a click, with the banner and title following', async () => {
    renderConsole()
    await openTenant('acme')
    await waitFor(() => expect(customerNames()).toEqual(['Wile E. Coyote', 'Road Runner Logistics']))
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('acme')
    await waitFor(() => expect(document.title).toContain('Acme Corporation'))

    await openTenant('globex')
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio']))
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('globex')
    await waitFor(() => expect(document.title).toContain('globex'))
    expect(screen.getByRole('option', { name: /Globex/ }).getAttribute('aria-selected')).toBe('true')
  })

  it('ignores a slow answer from the previous tenant', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const slow = deferred()
    let holdAcme = false
    client.hold = (call) => (holdAcme && call.name === 'data/rows' && call.scope === 'acme' ? slow.promise : undefined)
    renderConsole(client)

    await openTenant('acme')
    await waitFor(() => expect(customerNames()).toHaveLength(2))
    // Acme's next list answer is held back; meanwhile the user moves on to Globex.
    holdAcme = true
    const nameHeader = within(screen.getByTestId('customers-view')).getAllByTestId('grid-column').find((th) => th.dataset.column === 'name')
    fireEvent.click(within(nameHeader as HTMLElement).getByRole('button'))
    await waitFor(() => expect(client.calls.some((c) => c.name === 'data/rows' && c.scope === 'acme' && JSON.stringify(c.input).includes('"sort":{"column":"name"'))).toBe(true))
    await openTenant('globex')
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio']))

    slow.release()
    await settle(client)
    // Acme's late answer has arrived and been handled; Globex's rows stay.
    expect(client.busy()).toBe(0)
    expect(customerNames()).toEqual(['Hank Scorpio'])
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('globex')
  })

  it('never paints the previous tenant’s rows while the new ones load', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const slow = deferred()
    client.hold = (call) => (call.name === 'data/rows' && call.scope === 'initech' ? slow.promise : undefined)
    renderConsole(client)
    await openTenant('acme')
    await waitFor(() => expect(customerNames()).toHaveLength(2))

    await openTenant('initech')
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('initech'))
    expect(customerNames()).toEqual([])
    expect(within(screen.getByTestId('customers-view')).getByTestId('table-loading')).toBeTruthy()
    await act(async () => {
      slow.release()
      await slow.promise
    })
    await waitFor(() => expect(customerNames()).toEqual(['Peter Gibbons']))
  })

  it('switches with Ctrl+2 to the second tenant in sidebar order', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await screen.findAllByTestId('tenant-row')
    fireEvent.keyDown(window, { key: '2', code: 'Digit2', ctrlKey: true })
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio']))
    expect(client.activeSchema()).toBe('globex')

    fireEvent.keyDown(window, { key: '1', code: 'Digit1', metaKey: true })
    await waitFor(() => expect(client.activeSchema()).toBe('acme'))
    await waitFor(() => expect(customerNames()).toHaveLength(2))
  })

  it('switches through the command palette: Ctrl+K, fuzzy filter, arrows and Enter', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await screen.findAllByTestId('tenant-row')
    fireEvent.keyDown(window, { key: 'k', code: 'KeyK', ctrlKey: true })
    const input = await screen.findByTestId('palette-input')
    fireEvent.change(input, { target: { value: 'intch' } })
    const results = screen.getAllByTestId('palette-tenant')
    expect(results.map((r) => r.dataset.schema)).toEqual(['initech'])
    fireEvent.keyDown(input, { key: 'Enter' })
    await waitFor(() => expect(customerNames()).toEqual(['Peter Gibbons']))
    expect(screen.queryByTestId('command-palette')).toBeNull()

    fireEvent.keyDown(window, { key: 'k', code: 'KeyK', metaKey: true })
    const again = await screen.findByTestId('palette-input')
    fireEvent.change(again, { target: { value: 'corp' } })
    expect(screen.getAllByTestId('palette-tenant').map((r) => r.dataset.schema)).toEqual(['acme', 'globex'])
    fireEvent.keyDown(again, { key: 'ArrowDown' })
    fireEvent.keyDown(again, { key: 'Enter' })
    await waitFor(() => expect(client.activeSchema()).toBe('globex'))
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio']))
  })

  it('adds a customer to the active tenant only', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await openTenant('globex')
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio']))
    await addCustomer('Mindy Simmons', 'mindy@globex.example')
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio', 'Mindy Simmons']))
    await openTenant('acme')
    await waitFor(() => expect(customerNames()).toEqual(['Wile E. Coyote', 'Road Runner Logistics']))
  })

  it('shows a switch that the server refuses as an alert and stays on the current tenant', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await openTenant('acme')
    await waitFor(() => expect(customerNames()).toHaveLength(2))
    client.hold = (call) => (call.name === 'tenants/switch' ? Promise.reject(new Error('boom')) : undefined)
    await openTenant('initech')
    expect((await screen.findByTestId('switch-error')).textContent).toContain('boom')
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('acme')
    await waitFor(() => expect(customerNames()).toHaveLength(2))
  })
})
