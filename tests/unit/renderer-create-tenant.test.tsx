// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ContractError } from '../../contract/contract.ts'
import { deferred, MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole, settle } from '../../renderer/src/testing/render-console.tsx'

afterEach(cleanup)

async function openDialog(): Promise<HTMLElement> {
  fireEvent.click(await screen.findByTestId('create-tenant-button'))
  return screen.findByTestId('create-tenant-dialog')
}

function field(dialog: HTMLElement, label: RegExp): HTMLInputElement {
  return within(dialog).getByLabelText(label)
}

describe('create-tenant dialog', () => {
  it('suggests a schema from the name and creates the tenant, then switches to it', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    const dialog = await openDialog()
    fireEvent.change(field(dialog, /^Name/), { target: { value: 'Umbrella Corp.' } })
    expect(field(dialog, /^Schema/).value).toBe('umbrella_corp')
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    await waitFor(() => expect(screen.queryByTestId('create-tenant-dialog')).toBeNull())
    await waitFor(() => expect(client.activeSchema()).toBe('umbrella_corp'))
    expect(await screen.findByRole('option', { name: /Umbrella Corp\./ })).toBeTruthy()
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('umbrella_corp'))
  })

  it('stays on the new tenant when the refreshed list arrives after the switch', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const slowList = deferred()
    let created = false
    client.hold = (call) => {
      if (call.name === 'tenants/create') created = true
      return created && call.name === 'tenants/list' ? slowList.promise : undefined
    }
    renderConsole(client)
    const dialog = await openDialog()
    fireEvent.change(field(dialog, /^Name/), { target: { value: 'Hooli' } })
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('hooli'))
    // The sidebar still has the old list; the banner must not conclude the tenant is gone.
    expect(screen.queryByRole('option', { name: /Hooli/ })).toBeNull()
    await settle(client)
    expect(client.calls.filter((c) => c.name === 'tenants/list').length, 'the held list call was made').toBeGreaterThan(0)
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('hooli')
    slowList.release()
    expect(await screen.findByRole('option', { name: /Hooli/ })).toBeTruthy()
    expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe('hooli')
  })

  it.each([
    ['Bad-Name', /must match/],
    ['9lives', /must match/],
    ['public', /must not be "public"/],
    ['pg_stuff', /must not start with "pg_"/],
    ['information_schema', /information_schema/],
    ['select', /reserved word "select"/],
    ['a'.repeat(64), /at most 63 characters/],
    ['acme', /already taken/],
  ])('refuses the schema %s inline, before any call', async (schema, message) => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    const dialog = await openDialog()
    fireEvent.change(field(dialog, /^Name/), { target: { value: 'Some tenant' } })
    const input = field(dialog, /^Schema/)
    fireEvent.change(input, { target: { value: schema } })
    const alert = await within(dialog).findByText(message)
    expect(alert.getAttribute('role')).toBe('alert')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(input.getAttribute('aria-describedby')).toContain(alert.id)
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    await settle(client)
    expect(client.calls.some((c) => c.name === 'tenants/create')).toBe(false)
    expect(within(dialog).getByText(message)).toBeTruthy()
  })

  it('refuses an empty name and a bad domain inline', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    const dialog = await openDialog()
    fireEvent.change(field(dialog, /^Schema/), { target: { value: 'fresh' } })
    fireEvent.change(field(dialog, /^Domains/), { target: { value: 'ok.example, Bad_Host' } })
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    expect(await within(dialog).findByText(/Name must not be empty/)).toBeTruthy()
    expect(within(dialog).getByText(/Domain "Bad_Host" must be lowercase/)).toBeTruthy()
    expect(client.calls.some((c) => c.name === 'tenants/create')).toBe(false)
  })

  it('shows the server’s refusal under the field it names', async () => {
    const client = new MemoryClient(DEMO_SEED)
    client.hold = (call) =>
      call.name === 'tenants/create'
        ? Promise.reject(new ContractError({ code: 'CONFLICT', message: 'schema "legacy" already exists in the database', field: 'schema' }))
        : undefined
    renderConsole(client)
    const dialog = await openDialog()
    fireEvent.change(field(dialog, /^Name/), { target: { value: 'Legacy' } })
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    const message = await within(dialog).findByText(/Refused by the server: schema "legacy" already exists in the database/)
    expect(message.getAttribute('role')).toBe('alert')
    expect(field(dialog, /^Schema/).getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByTestId('create-tenant-dialog')).toBeTruthy()
  })

  it('shows a server error without a field as a dialog-level alert', async () => {
    const client = new MemoryClient(DEMO_SEED)
    client.hold = (call) =>
      call.name === 'tenants/create' ? Promise.reject(new ContractError({ code: 'DATABASE_UNAVAILABLE', message: 'the database is not running' })) : undefined
    renderConsole(client)
    const dialog = await openDialog()
    fireEvent.change(field(dialog, /^Name/), { target: { value: 'Later' } })
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    expect((await within(dialog).findByTestId('create-tenant-error')).textContent).toContain('the database is not running')
  })
})

describe('dropping a tenant', () => {
  it('needs the schema typed out', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    fireEvent.click(await screen.findByRole('option', { name: /Initech/ }))
    fireEvent.click(await screen.findByTestId('manage-tenant'))
    fireEvent.click(await screen.findByTestId('open-drop'))
    const dialog = await screen.findByTestId('drop-tenant-dialog')
    const submit = within(dialog).getByTestId<HTMLButtonElement>('drop-submit')
    expect(submit.disabled).toBe(true)
    fireEvent.change(within(dialog).getByTestId('drop-confirm-input'), { target: { value: 'initec' } })
    expect(submit.disabled).toBe(true)
    fireEvent.change(within(dialog).getByTestId('drop-confirm-input'), { target: { value: 'initech' } })
    expect(submit.disabled).toBe(false)
    fireEvent.click(submit)
    await waitFor(() => expect(screen.queryByRole('option', { name: /Initech/ })).toBeNull())
    expect(client.calls.find((c) => c.name === 'tenants/drop')?.input).toEqual({ schema: 'initech', confirm: 'initech' })
    await waitFor(() => expect(screen.getByTestId('active-tenant-banner').dataset.schema).toBe(''))
  })
})
