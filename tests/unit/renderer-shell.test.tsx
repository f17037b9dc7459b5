// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorBoundary } from '../../renderer/src/components/error-boundary.tsx'
import { paletteColors, TENANT_PALETTE, tenantInitials } from '../../renderer/src/lib/tenant-color.ts'
import { fuzzyFilter } from '../../renderer/src/lib/fuzzy.ts'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole } from '../../renderer/src/testing/render-console.tsx'

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
})

describe('start-up', () => {
  it('shows the database starting instead of a blank window, then the console', async () => {
    const client = new MemoryClient(DEMO_SEED)
    client.db = { ...client.db, running: false, serverVersion: null, port: null }
    renderConsole(client)
    const startup = await screen.findByTestId('startup-screen')
    expect(within(startup).getByRole('status').textContent).toContain('Starting the embedded PostgreSQL')
    expect(startup.textContent).toContain('/tmp/schemata-test')
    expect(screen.queryByTestId('tenant-sidebar')).toBeNull()

    client.db = { ...client.db, running: true, serverVersion: '18.1', port: 54321 }
    expect(await screen.findByTestId('tenant-sidebar')).toBeTruthy()
    expect((await screen.findByTestId('db-status-pill')).textContent).toContain('Embedded PostgreSQL 18.1')
  })

  it('says so when the server cannot be reached, and keeps trying', async () => {
    const client = new MemoryClient(DEMO_SEED)
    let down = true
    client.hold = (call) => (down && call.name === 'db/status' ? Promise.reject(new Error('Cannot reach the Schemata server')) : undefined)
    renderConsole(client)
    expect((await screen.findByTestId('startup-error')).textContent).toContain('Cannot reach the Schemata server')
    down = false
    expect(await screen.findByTestId('tenant-sidebar')).toBeTruthy()
  })
})

describe('ErrorBoundary', () => {
  it('turns a render error into a visible alert', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    function Broken(): never {
      throw new Error('kaput')
    }
    render(
      <ErrorBoundary>
        <Broken />
      </ErrorBoundary>,
    )
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('Something went wrong')
    expect(alert.textContent).toContain('kaput')
  })
})

describe('the active tenant', () => {
  it('is unmistakable: banner in its colour with name and schema, title, selected row', async () => {
    renderConsole()
    fireEvent.click(await screen.findByRole('option', { name: /Initech/ }))
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('initech'))
    const banner = screen.getByTestId('active-tenant-banner')
    expect(banner.textContent).toContain('Initech')
    expect(screen.getByTestId('active-tenant-schema').textContent).toBe('initech')
    // Initech is the third tenant: the third palette colour, in the banner and in its badge.
    expect(banner.dataset.color).toBe('2')
    expect(within(banner).getByText('I').dataset.color).toBe('2')
    // The title is set by a passive effect, which React may run after the banner is painted.
    await waitFor(() => expect(document.title).toBe('Initech (initech) — Schemata'))
  })

  it('can be managed: domains saved, suspended and resumed', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    fireEvent.click(await screen.findByRole('option', { name: /Globex/ }))
    fireEvent.click(await screen.findByTestId('manage-tenant'))
    const dialog = await screen.findByTestId('manage-tenant-dialog')
    fireEvent.change(within(dialog).getByTestId('domain-input'), { target: { value: 'Globex.Example' } })
    fireEvent.keyDown(within(dialog).getByTestId('domain-input'), { key: 'Enter' })
    expect(within(dialog).getByText(/must be lowercase/)).toBeTruthy()
    fireEvent.change(within(dialog).getByTestId('domain-input'), { target: { value: 'globex.example' } })
    fireEvent.keyDown(within(dialog).getByTestId('domain-input'), { key: 'Enter' })
    fireEvent.click(within(dialog).getByTestId('save-domains'))
    await waitFor(() => expect(client.calls.find((c) => c.name === 'tenants/set-domains')?.input).toEqual({ schema: 'globex', domains: ['globex.localhost', 'globex.example'] }))
    // The buttons stay disabled until the save has answered.
    await within(dialog).findByText('Domains saved.')

    fireEvent.click(within(dialog).getByTestId('toggle-status'))
    await waitFor(() => expect(within(dialog).getByTestId('tenant-status').textContent).toBe('suspended'))
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').textContent).toContain('suspended'))
    fireEvent.click(within(dialog).getByTestId('toggle-status'))
    await waitFor(() => expect(within(dialog).getByTestId('tenant-status').textContent).toBe('active'))
  })
})

describe('small pieces', () => {
  it('gives palette colours by place, and initials per tenant', () => {
    expect(paletteColors(0).solid).toBe(TENANT_PALETTE[0])
    expect(paletteColors(TENANT_PALETTE.length + 1)).toEqual(paletteColors(1))
    expect(paletteColors(4).strong).toContain(TENANT_PALETTE[4])
    expect(tenantInitials('Acme Corporation', 'acme')).toBe('AC')
    expect(tenantInitials('initech', 'initech')).toBe('I')
    expect(tenantInitials('  ', 'zz_top')).toBe('ZZ')
  })

  it('ranks fuzzy matches at word starts first', () => {
    const items = ['Acme Corporation', 'Globex Corporation', 'Initech', 'Cortex']
    expect(fuzzyFilter(items, 'corp', (s) => [s])).toEqual(['Acme Corporation', 'Globex Corporation'])
    expect(fuzzyFilter(items, 'cor', (s) => [s])[0]).toBe('Cortex')
    expect(fuzzyFilter(items, 'xyz', (s) => [s])).toEqual([])
    expect(fuzzyFilter(items, '', (s) => [s])).toEqual(items)
  })
})

it('reloads the tenant list when another window changes the registry', async () => {
  const client = new MemoryClient(DEMO_SEED)
  renderConsole(client)
  await screen.findAllByTestId('tenant-row')
  client.addTenant({ name: 'Hooli', schema: 'hooli' })
  act(() => client.emit('tenants/changed', { reason: 'created elsewhere' }))
  expect(await screen.findByRole('option', { name: /Hooli/ })).toBeTruthy()
})
