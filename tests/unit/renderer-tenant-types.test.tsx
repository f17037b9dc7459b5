// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { renderConsole } from '../../renderer/src/testing/render-console.tsx'

/*
 * A project with two tenant types (helpdesk's standard and enterprise): the
 * create dialog offers them, and the migrations grid groups tenants by type.
 */

afterEach(() => {
  cleanup()
  window.location.hash = ''
})

const STANDARD = ['0001_create_agents', '0002_create_tickets']
const ENTERPRISE = [...STANDARD, '1001_create_audit_log']

function helpdeskClient(): MemoryClient {
  const client = new MemoryClient()
  client.project = {
    ...client.project,
    name: 'Helpdesk',
    builtin: false,
    tenantTypes: [
      { name: 'standard', label: 'Standard', description: 'Tickets, comments and agents.', migrations: STANDARD },
      { name: 'enterprise', label: 'Enterprise', description: 'Standard plus an audit log.', migrations: ENTERPRISE },
    ],
    defaultTenantType: 'standard',
    sharedReadable: ['plans'],
  }
  client.addTenant({ name: 'Acme Support', schema: 'acme' })
  client.addTenant({ name: 'Globex Support', schema: 'globex', type: 'enterprise' })
  client.addTenant({ name: 'Initech Support', schema: 'initech' })
  return client
}

describe('tenant types in the console', () => {
  it('the create dialog offers the project’s types, defaulting to the default type, and creates the chosen one', async () => {
    const client = helpdeskClient()
    renderConsole(client)
    fireEvent.click(await screen.findByTestId('create-tenant-button'))
    const dialog = await screen.findByTestId('create-tenant-dialog')
    const select = await within(dialog).findByTestId<HTMLSelectElement>('create-tenant-type')
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['standard', 'Standard (default)'],
      ['enterprise', 'Enterprise'],
    ])
    expect(select.value).toBe('standard')
    expect(within(dialog).getByText('Tickets, comments and agents.')).toBeTruthy()
    fireEvent.change(select, { target: { value: 'enterprise' } })
    expect(within(dialog).getByText('Standard plus an audit log.')).toBeTruthy()
    fireEvent.change(within(dialog).getByLabelText(/^Name/), { target: { value: 'Hooli' } })
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    await waitFor(() => expect(screen.queryByTestId('create-tenant-dialog')).toBeNull())
    const create = client.calls.find((c) => c.name === 'tenants/create')
    expect(create?.input).toMatchObject({ name: 'Hooli', schema: 'hooli', type: 'enterprise' })
    const list = (await client.call('tenants/list', {})) as { schema: string; type: string }[]
    expect(list.find((t) => t.schema === 'hooli')?.type).toBe('enterprise')
  })

  it('a project of one type shows no type choice and sends none', async () => {
    const client = new MemoryClient([{ name: 'Acme', schema: 'acme' }])
    renderConsole(client)
    fireEvent.click(await screen.findByTestId('create-tenant-button'))
    const dialog = await screen.findByTestId('create-tenant-dialog')
    fireEvent.change(within(dialog).getByLabelText(/^Name/), { target: { value: 'Hooli' } })
    expect(within(dialog).queryByTestId('create-tenant-type')).toBeNull()
    fireEvent.click(within(dialog).getByTestId('create-tenant-submit'))
    await waitFor(() => expect(screen.queryByTestId('create-tenant-dialog')).toBeNull())
    expect(client.calls.find((c) => c.name === 'tenants/create')?.input).not.toHaveProperty('type')
  })

  it('the migrations grid groups tenants by type; a migration of another type is marked not applicable', async () => {
    window.location.hash = '#migrations'
    renderConsole(helpdeskClient())
    await screen.findByTestId('migration-grid')
    const groups = await screen.findAllByTestId('migration-group')
    expect(groups.map((g) => g.dataset.type)).toEqual(['standard', 'enterprise'])
    expect(groups[0]?.textContent).toContain('2 tenants')
    expect(groups[1]?.textContent).toContain('1 tenant ')
    // Rows follow their group's heading, in the project's order of types.
    const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="migration-group"], [data-testid="migration-row"]')]
    expect(rows.map((r) => r.dataset.type ?? r.dataset.schema)).toEqual(['standard', 'acme', 'initech', 'enterprise', 'globex'])
    const acmeAudit = document.querySelector('[data-schema="acme"] td[title^="1001_create_audit_log"]')
    expect(acmeAudit?.getAttribute('data-state')).toBe('not-applicable')
    const globexAudit = document.querySelector('[data-schema="globex"] td[title^="1001_create_audit_log"]')
    expect(globexAudit?.getAttribute('data-state')).toBe('applied')
  })
})
