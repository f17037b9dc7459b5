// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ContractError, type SchemataClient } from '../../contract/contract.ts'
import type { ApiRequestLogEntry } from '../../contract/types.ts'
import { deferred, MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole } from '../../renderer/src/testing/render-console.tsx'

afterEach(() => {
  cleanup()
  window.location.hash = ''
})

async function openRequests(client: SchemataClient, tenant?: string): Promise<void> {
  renderConsole(client)
  if (tenant) {
    fireEvent.click(await screen.findByRole('option', { name: new RegExp(tenant) }))
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe(tenant))
  }
  fireEvent.click(await screen.findByTestId('tab-requests'))
  await screen.findByTestId('requests-view')
}

async function clickSend(): Promise<void> {
  const button = screen.getByTestId<HTMLButtonElement>('requests-send')
  await waitFor(() => expect(button.disabled).toBe(false))
  fireEvent.click(button)
}

async function send(): Promise<HTMLElement> {
  await clickSend()
  return screen.findByTestId('requests-result')
}

/** Clicks a scenario: it fills the form and sends it at once; returns the result it brought. */
async function scenario(id: string): Promise<HTMLElement> {
  const sent = screen.queryAllByTestId('requests-result').length === 0 ? undefined : screen.getByTestId('requests-result')
  fireEvent.click(screen.getByTestId(`requests-preset-${id}`))
  // The previous response goes at once; the new one replaces it.
  await waitFor(() => expect(screen.queryByTestId('requests-result')).not.toBe(sent ?? null))
  return screen.findByTestId('requests-result')
}

/** happy-dom serves the page from http://localhost:3000: the panel adds the console's port to its hosts. */
function atPort(host: string): string {
  return window.location.port ? `${host}:${window.location.port}` : host
}

function logRows(): HTMLElement[] {
  return screen.queryAllByTestId('requests-log-row')
}

function entry(id: string, overrides: Partial<ApiRequestLogEntry> = {}): ApiRequestLogEntry {
  return { id, time: '2026-11-26T12:00:00.000Z', method: 'GET', host: 'acme.localhost:4780', path: '/api/tenant', tenant: 'acme', via: 'subdomain', status: 200, ms: 3.2, ...overrides }
}

describe('the Requests panel', () => {
  it('prefills the host from the active tenant and shows where a sent request landed', async () => {
    const client = new MemoryClient(DEMO_SEED)
    await openRequests(client, 'globex')
    expect(screen.getByTestId<HTMLInputElement>('requests-host').value).toBe(atPort('globex.localhost'))
    expect(screen.getByTestId<HTMLInputElement>('requests-path').value).toBe('/api/tenant')
    expect(await screen.findByTestId('requests-log-empty')).toBeTruthy()

    const result = await send()
    expect(within(result).getByTestId('requests-status').textContent).toBe('200 OK')
    expect(within(result).getByTestId('requests-status').className).toContain('requests-status--2xx')
    const resolved = within(result).getByTestId('requests-resolved')
    expect(resolved.dataset.schema).toBe('globex')
    expect(resolved.dataset.via).toBe('domain')
    expect(within(resolved).getByTestId('requests-resolved-name').textContent).toBe('Globex Corporation')
    expect(within(resolved).getByTestId('requests-resolved-schema').textContent).toBe('globex')
    expect(JSON.parse(within(result).getByTestId('requests-body').textContent ?? '')).toEqual({ name: 'Globex Corporation', schema: 'globex' })
    expect(within(result).getByTestId('requests-response-headers').textContent).toContain('x-request-id')

    const sent = client.calls.find((c) => c.name === 'requests/send')
    expect(sent?.input).toEqual({ method: 'GET', host: atPort('globex.localhost'), path: '/api/tenant' })
    // The panel's own request shows in the live log, once.
    await waitFor(() => expect(logRows()).toHaveLength(1))
    expect(logRows()[0]?.dataset.tenant).toBe('globex')
  })

  it('routes by X-Tenant header on localhost, and refuses a host and header that disagree', async () => {
    const client = new MemoryClient(DEMO_SEED)
    await openRequests(client, 'acme')
    fireEvent.change(screen.getByTestId('requests-preset-tenant'), { target: { value: 'initech' } })
    let result = await scenario('header')
    expect(screen.getByTestId<HTMLInputElement>('requests-host').value).toBe(atPort('localhost'))
    expect(screen.getAllByTestId<HTMLInputElement>('requests-header-name').map((i) => i.value)).toEqual(['X-Tenant'])
    expect(screen.getAllByTestId<HTMLInputElement>('requests-header-value').map((i) => i.value)).toEqual(['initech'])
    expect(within(result).getByTestId('requests-resolved').dataset.schema).toBe('initech')
    expect(within(result).getByTestId('requests-resolved-via').textContent).toBe('X-Tenant header')

    result = await scenario('conflict')
    expect(screen.getByTestId<HTMLInputElement>('requests-host').value).toBe(atPort('initech.localhost'))
    expect(screen.getAllByTestId<HTMLInputElement>('requests-header-value').map((i) => i.value)).toEqual(['acme'])
    expect(within(result).getByTestId('requests-status').textContent).toBe('400 Bad Request')
    expect(within(result).getByTestId('requests-status').className).toContain('requests-status--4xx')
    expect(within(result).getByTestId('requests-resolved').dataset.schema).toBe('')
    expect(within(result).getByTestId('requests-resolved-name').textContent).toBe('No tenant')
    expect(within(result).getByTestId('requests-refusal').textContent).toContain('X-Tenant')

    result = await scenario('unknown')
    expect(screen.queryAllByTestId('requests-header-row')).toHaveLength(0)
    expect(within(result).getByTestId('requests-status').textContent).toBe('404 Not Found')

    // initech.localhost is registered as initech's domain, so the subdomain scenario goes one label deeper.
    result = await scenario('subdomain')
    expect(screen.getByTestId<HTMLInputElement>('requests-host').value).toBe(atPort('app.initech.localhost'))
    expect(within(result).getByTestId('requests-resolved').dataset.via).toBe('subdomain')
    expect(within(result).getByTestId('requests-resolved').dataset.schema).toBe('initech')
  })

  it('logs in as the demo user and reuses the token for /api/customers', async () => {
    const client = new MemoryClient(DEMO_SEED)
    await openRequests(client, 'globex')
    expect(screen.getByTestId<HTMLButtonElement>('requests-use-token').disabled).toBe(true)
    let result = await scenario('login')
    expect(screen.getByTestId<HTMLSelectElement>('requests-method').value).toBe('POST')
    expect(screen.getByTestId<HTMLInputElement>('requests-path').value).toBe('/api/login')
    expect(JSON.parse(screen.getByTestId<HTMLTextAreaElement>('requests-body-input').value)).toEqual({ email: 'admin@globex.example', password: 'globex-demo' })
    expect(within(result).getByTestId('requests-status').textContent).toBe('200 OK')
    expect(screen.getByTestId('requests-token-info').textContent).toContain('globex')

    const customersPick = screen.getAllByTestId('requests-path-pick').find((b) => b.dataset.path === '/api/customers')
    fireEvent.click(customersPick as HTMLElement)
    // The form now asks something else: the login's answer is gone rather than shown under the new request.
    expect(screen.queryByTestId('requests-result')).toBeNull()
    expect(screen.getByTestId('requests-result-empty')).toBeTruthy()
    expect(screen.getByTestId<HTMLSelectElement>('requests-method').value).toBe('GET')
    fireEvent.click(screen.getByTestId('requests-use-token'))
    expect(screen.getAllByTestId<HTMLInputElement>('requests-header-value').map((i) => i.value)).toEqual(['Bearer memory-token.globex'])
    result = await send()
    expect(within(result).getByTestId('requests-status').textContent).toBe('200 OK')
    expect(within(result).getByTestId('requests-body').textContent).toContain('Hank Scorpio')
    expect(client.calls.filter((c) => c.name === 'requests/send').at(-1)?.input).toMatchObject({ headers: { Authorization: 'Bearer memory-token.globex' } })
  })

  it('shows a refused call as an alert, and says plainly when no tenant API server runs here', async () => {
    const client = new MemoryClient(DEMO_SEED)
    await openRequests(client, 'acme')
    fireEvent.change(screen.getByTestId('requests-host'), { target: { value: '' } })
    expect(screen.getByTestId<HTMLButtonElement>('requests-send').disabled).toBe(true)

    const failing: SchemataClient = {
      call: (name, input) =>
        name === 'requests/send' ? Promise.reject(new ContractError({ code: 'INVALID_INPUT', message: 'host: must be a host name', field: 'host' })) : client.call(name, input),
      on: (event, listener) => client.on(event, listener),
    }
    cleanup()
    await openRequests(failing)
    await clickSend()
    const error = await screen.findByTestId('requests-send-error')
    expect(error.getAttribute('role')).toBe('alert')
    expect(error.textContent).toContain('host: must be a host name')

    cleanup()
    const electron = new MemoryClient(DEMO_SEED)
    electron.tenantApiRunning = false
    await openRequests(electron)
    const notice = await screen.findByTestId('requests-unavailable')
    expect(notice.getAttribute('role')).toBe('alert')
    expect(notice.textContent).toContain('The tenant API server is not running here')
    expect(notice.textContent).toContain('schemata serve')
    expect(screen.getByTestId<HTMLButtonElement>('requests-send').disabled).toBe(true)
    expect(screen.getByTestId('requests-log-unavailable')).toBeTruthy()

    electron.tenantApiRunning = true
    fireEvent.click(within(notice).getByRole('button', { name: 'Check again' }))
    await waitFor(() => expect(screen.queryByTestId('requests-unavailable')).toBeNull())
    expect(await screen.findByTestId('requests-log-empty')).toBeTruthy()
  })

  it('loads the recent log, prepends requests/logged events from anyone, and keeps at most 200', async () => {
    const client = new MemoryClient(DEMO_SEED)
    client.requestLog.push(entry('old-2', { tenant: 'initech', host: 'initech.localhost:4780' }), entry('old-1'))
    const held = deferred()
    client.hold = (call) => (call.name === 'requests/log' ? held.promise : undefined)
    await openRequests(client)
    expect(await screen.findByTestId('requests-log-loading')).toBeTruthy()
    // An event that arrives before the first list is kept, not lost.
    act(() => client.emit('requests/logged', entry('early', { tenant: 'globex' })))
    await act(async () => {
      held.release()
      await held.promise
    })
    await waitFor(() => expect(logRows().map((r) => r.dataset.id)).toEqual(['early', 'old-2', 'old-1']))
    expect(screen.getByTestId('requests-log-count').textContent).toBe('3')

    // curl from another terminal: the server pushes it; the same entry twice shows once.
    const curl = entry('curl', { host: 'acme.localhost:4780', tenant: 'acme', via: 'subdomain', status: 200, ms: 4.25 })
    act(() => client.emit('requests/logged', curl))
    act(() => client.emit('requests/logged', { ...curl }))
    const top = logRows()[0] as HTMLElement
    expect(top.dataset.id).toBe('curl')
    expect(top.dataset.tenant).toBe('acme')
    expect(top.textContent).toContain('acme.localhost:4780')
    expect(top.textContent).toContain('/api/tenant')
    expect(top.textContent).toContain('200')
    expect(top.textContent).toContain('4.3')
    expect(logRows()).toHaveLength(4)

    act(() => client.emit('requests/logged', entry('refused', { tenant: null, via: null, status: 404 })))
    expect(logRows()[0]?.textContent).toContain('no tenant')

    act(() => {
      for (let i = 0; i < 250; i++) client.emit('requests/logged', entry(`burst-${i}`))
    })
    expect(logRows()).toHaveLength(200)
    expect(logRows()[0]?.dataset.id).toBe('burst-249')
  })

  it('shows a failed log load as an alert with a retry', async () => {
    const client = new MemoryClient(DEMO_SEED)
    let fail = true
    const flaky: SchemataClient = {
      call: (name, input) =>
        name === 'requests/log' && fail ? Promise.reject(new ContractError({ code: 'INTERNAL', message: 'Cannot reach the Schemata server' })) : client.call(name, input),
      on: (event, listener) => client.on(event, listener),
    }
    await openRequests(flaky)
    const error = await screen.findByTestId('requests-log-error')
    expect(error.getAttribute('role')).toBe('alert')
    expect(error.textContent).toContain('Cannot reach the Schemata server')
    fail = false
    fireEvent.click(within(error).getByRole('button', { name: 'Retry' }))
    expect(await screen.findByTestId('requests-log-empty')).toBeTruthy()
  })

  it('sends a scenario in one click, clearing the previous response while the next one is on its way', async () => {
    const client = new MemoryClient(DEMO_SEED)
    await openRequests(client, 'acme')
    await scenario('subdomain')
    expect(client.calls.filter((c) => c.name === 'requests/send')).toHaveLength(1)

    const held = deferred()
    client.hold = (call) => (call.name === 'requests/send' ? held.promise : undefined)
    fireEvent.click(screen.getByTestId('requests-preset-unknown'))
    // Sent at once, and the subdomain answer is no longer on screen while the unknown-tenant request is out.
    expect(await screen.findByTestId('requests-sending')).toBeTruthy()
    expect(screen.queryByTestId('requests-result')).toBeNull()
    expect(screen.getByTestId<HTMLButtonElement>('requests-preset-header').disabled).toBe(true)
    await act(async () => {
      held.release()
      await held.promise
    })
    const result = await screen.findByTestId('requests-result')
    expect(within(result).getByTestId('requests-status').textContent).toBe('404 Not Found')
    expect(client.calls.filter((c) => c.name === 'requests/send')).toHaveLength(2)
  })

  it('with no tenants, aims at no made-up tenant: bare host, no scenarios', async () => {
    const client = new MemoryClient([])
    await openRequests(client)
    expect(screen.getByTestId<HTMLInputElement>('requests-host').value).toBe(atPort('localhost'))
    expect(screen.getByTestId('requests-presets-none').textContent).toContain('no tenants yet')
    expect(screen.queryByTestId('requests-preset-subdomain')).toBeNull()
    expect(screen.queryByRole('option', { name: 'acme' })).toBeNull()
  })
})
