// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ContractError } from '../../contract/contract.ts'
import { App } from '../../renderer/src/app.tsx'
import { ClientProvider } from '../../renderer/src/client/client-context.tsx'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED } from '../../renderer/src/testing/render-console.tsx'

afterEach(() => {
  cleanup()
  window.location.hash = ''
})

const UNREACHABLE = 'Cannot reach the Schemata server (Failed to fetch)'

/** The console with a quick status poll, so the outage and its end show within the test. */
function renderPolling(client: MemoryClient): void {
  render(
    <ClientProvider client={client}>
      <App dbPollMs={{ fast: 10, slow: 30 }} />
    </ClientProvider>,
  )
}

/** The console on a server that fails every call with a network error while `server.down` is set. */
function consoleOnFlakyServer(): { client: MemoryClient; server: { down: boolean } } {
  const client = new MemoryClient(DEMO_SEED)
  const server = { down: false }
  client.hold = () => (server.down ? Promise.reject(new ContractError({ code: 'INTERNAL', message: UNREACHABLE })) : undefined)
  renderPolling(client)
  return { client, server }
}

describe('when the server goes away and comes back', () => {
  it('shows one alert for the outage, then goes back to the tenant it was on and refills the view', async () => {
    const { client, server } = consoleOnFlakyServer()
    fireEvent.click(await screen.findByRole('option', { name: /Globex/ }))
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('globex'))

    server.down = true
    const outage = await screen.findByTestId('outage-alert')
    expect(outage.textContent).toContain(UNREACHABLE)
    // The open view fails with the same cause: it waits quietly instead of a second identical banner.
    fireEvent.click(screen.getByTestId('tab-segregation'))
    await waitFor(() => expect(screen.getByTestId('schemas-panel').querySelector('[data-folded="true"]')).not.toBeNull())
    expect(screen.getAllByRole('alert')).toEqual([outage])

    // serve restarted: it has forgotten this window's tenant.
    client.restart()
    server.down = false
    await waitFor(() => expect(screen.queryByTestId('outage-alert')).toBeNull())
    await waitFor(() => expect(client.activeSchema()).toBe('globex'))
    expect(await within(screen.getByTestId('schemas-panel')).findAllByTestId('schema-card')).not.toHaveLength(0)
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('globex')
    expect(screen.queryAllByRole('alert')).toHaveLength(0)
  })

  it('says so when the tenant it was on is gone by then', async () => {
    const { client, server } = consoleOnFlakyServer()
    fireEvent.click(await screen.findByRole('option', { name: /Initech/ }))
    await waitFor(() => expect(client.activeSchema()).toBe('initech'))

    server.down = true
    await screen.findByTestId('outage-alert')
    client.restart()
    server.down = false
    await client.call('tenants/drop', { schema: 'initech', confirm: 'initech' })
    expect((await screen.findByTestId('switch-error')).textContent).toContain('Could not go back to initech')
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('')
  })
})
