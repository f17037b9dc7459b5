// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { isTenantCall } from '../../contract/contract.ts'
import { deferred, MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole } from '../../renderer/src/testing/render-console.tsx'
import { addCustomer, customerNames, openTenant } from './console-actions.tsx'

/*
 * Data calls carry the tenant they are meant for, and the "server" (the
 * memory client, answering as main does) refuses one whose tenant is no
 * longer the window's active one. These pin what that buys the renderer
 * without any ordering of its own: a write overtaken by a switch lands
 * nowhere and is reported, and switches reach the server in the order made.
 */

afterEach(cleanup)

describe('tenant calls', () => {
  it('name the tenant they are for: the one the window is on', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await openTenant('acme')
    await waitFor(() => expect(customerNames()).toHaveLength(2))
    await openTenant('globex')
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio']))
    const tenantCalls = client.calls.filter((c) => isTenantCall(c.name))
    expect(tenantCalls.length).toBeGreaterThanOrEqual(2)
    for (const call of tenantCalls) expect((call.input as { tenant?: string }).tenant, call.name).toBe(call.scope)
  })

  it('a write overtaken by a switch is refused: it lands in neither tenant, and the window says so', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await openTenant('acme')
    await waitFor(() => expect(customerNames()).toHaveLength(2))

    // The add reaches the server only after the switch to globex has (two HTTP requests can do that).
    const late = deferred()
    client.delayArrival = (call) => (call.name === 'data/insert' ? late.promise : undefined)
    await addCustomer('Meant For Acme', 'late@acme.example')
    await waitFor(() => expect(client.calls.some((c) => c.name === 'data/insert')).toBe(true))
    await openTenant('globex')
    await waitFor(() => expect(customerNames()).toEqual(['Hank Scorpio']))
    await act(async () => {
      late.release()
      await late.promise
    })

    const refused = await screen.findByTestId('refused-call')
    expect(refused.textContent).toContain('A request for acme was refused')
    const create = client.calls.find((c) => c.name === 'data/insert')
    expect(create).toMatchObject({ input: { tenant: 'acme' }, scope: 'globex' })
    expect(client.customerNames('globex')).toEqual(['Hank Scorpio'])
    expect(client.customerNames('acme')).toEqual(['Wile E. Coyote', 'Road Runner Logistics'])
    expect(customerNames()).toEqual(['Hank Scorpio'])
  })

  it('switches reach the server one at a time, in the order made, and the window ends where the server is', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const held: { schema: string; release: () => void }[] = []
    client.hold = (call) => {
      if (call.name !== 'tenants/switch') return undefined
      const gate = deferred()
      held.push({ schema: (call.input as { schema: string }).schema, release: gate.release })
      return gate.promise
    }
    renderConsole(client)
    await screen.findAllByTestId('tenant-row')
    fireEvent.keyDown(window, { key: '1', code: 'Digit1', ctrlKey: true })
    fireEvent.keyDown(window, { key: '2', code: 'Digit2', ctrlKey: true })
    fireEvent.keyDown(window, { key: '3', code: 'Digit3', ctrlKey: true })
    await waitFor(() => expect(held).toHaveLength(1))
    // The second switch is not sent while the first is unanswered.
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(held.map((h) => h.schema)).toEqual(['acme'])
    for (let i = 0; i < 3; i++) {
      await act(async () => {
        held[i]?.release()
        await new Promise((resolve) => setTimeout(resolve, 5))
      })
      if (i < 2) await waitFor(() => expect(held).toHaveLength(i + 2))
    }
    expect(held.map((h) => h.schema)).toEqual(['acme', 'globex', 'initech'])
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('initech'))
    expect(client.activeSchema()).toBe('initech')
    await waitFor(() => expect(customerNames()).toEqual(['Peter Gibbons']))
    // Only the tenant asked for last was shown: no data was fetched for the two it passed through.
    expect(client.calls.filter((c) => c.name === 'data/rows' || c.name === 'data/tables').map((c) => c.scope)).toEqual(['initech', 'initech', 'initech'])
  })
})
