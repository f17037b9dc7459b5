// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { renderConsole } from '../../renderer/src/testing/render-console.tsx'

afterEach(() => {
  cleanup()
  window.location.hash = ''
})

describe('a console with no tenants', () => {
  it('says so and offers to create the first one or load the demo — never "pick one, Ctrl+1"', async () => {
    const client = new MemoryClient([])
    renderConsole(client)
    const empty = await screen.findByTestId('first-tenant')
    expect(empty.textContent).toContain('No tenants yet')
    const banner = screen.getByTestId('active-tenant-banner')
    expect(banner.textContent).toContain('Create your first tenant')
    expect(banner.textContent).not.toContain('Pick a tenant')
    expect(screen.queryByTestId('no-tenant')).toBeNull()
    expect(screen.getByTestId('tenant-list-empty').textContent).toContain('No tenants yet')

    fireEvent.click(within(empty).getByTestId('first-tenant-create'))
    expect(await screen.findByTestId('create-tenant-dialog')).toBeTruthy()
    fireEvent.keyDown(screen.getByTestId('create-tenant-dialog'), { key: 'Escape' })
    await waitFor(() => expect(screen.queryByTestId('create-tenant-dialog')).toBeNull())

    fireEvent.click(within(empty).getByTestId('first-tenant-demo'))
    await waitFor(() => expect(screen.getAllByTestId('tenant-row').map((row) => row.dataset.schema)).toEqual(['acme', 'globex', 'initech']))
    // The first demo tenant is opened, so the presenter sees data at once.
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('acme'))
    expect(screen.queryByTestId('first-tenant')).toBeNull()
    expect(client.calls.filter((c) => c.name === 'demo/load')).toHaveLength(1)
  })

  it('offers no demo outside the built-in project', async () => {
    const client = new MemoryClient([])
    client.project = { ...client.project, builtin: false, name: 'Helpdesk' }
    renderConsole(client)
    const empty = await screen.findByTestId('first-tenant')
    expect(within(empty).getByTestId('first-tenant-create')).toBeTruthy()
    expect(within(empty).queryByTestId('first-tenant-demo')).toBeNull()
  })
})
