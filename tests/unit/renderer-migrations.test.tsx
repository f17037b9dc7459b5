// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { MigrationEvent } from '../../contract/types.ts'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole } from '../../renderer/src/testing/render-console.tsx'
import { applyMigrationEvent, IDLE, overallPercent, schemaPercent } from '../../renderer/src/views/migration-progress.ts'

afterEach(() => {
  cleanup()
  window.location.hash = ''
})

describe('migration progress', () => {
  it('folds events into per-schema and overall progress', () => {
    const events: MigrationEvent[] = [
      { type: 'run-start', shared: true, tenants: 2 },
      { type: 'schema-start', schema: 'acme', index: 0, total: 2, pending: 2 },
      { type: 'migration-applied', schema: 'acme', migration: '0001' },
    ]
    let state = events.reduce(applyMigrationEvent, IDLE)
    expect(schemaPercent(state.schemas.acme)).toBe(50)
    expect(overallPercent(state)).toBe(0)
    state = applyMigrationEvent(state, { type: 'schema-done', schema: 'acme', index: 0, total: 2, applied: ['0001', '0002'] })
    state = applyMigrationEvent(state, { type: 'schema-failed', schema: 'globex', index: 1, total: 2, migration: '0002', message: 'boom' })
    expect(overallPercent(state)).toBe(100)
    expect(state.schemas.globex).toMatchObject({ state: 'failed', migration: '0002', message: 'boom' })
  })

  it('runs migrations from the view, reaching 100%', async () => {
    window.location.hash = '#migrations'
    renderConsole(new MemoryClient(DEMO_SEED))
    expect(await screen.findByTestId('migration-grid')).toBeTruthy()
    expect(screen.getAllByTestId('migration-row')).toHaveLength(3)
    fireEvent.click(screen.getByTestId('migrations-run'))
    await waitFor(() => expect(screen.getByTestId('migrations-overall-progress').getAttribute('aria-valuenow')).toBe('100'))
    expect(screen.getByTestId('migrations-overall-label').textContent).toContain('3 / 3 tenants')
  })

  it('shows a failure with its message and retries that schema only', async () => {
    window.location.hash = '#migrations'
    const client = new MemoryClient(DEMO_SEED)
    client.failMigration = { schema: 'globex', migration: '0002_create_users', message: 'relation "users" already exists' }
    renderConsole(client)
    fireEvent.click(await screen.findByTestId('migrations-run'))
    const failure = await screen.findByTestId('migration-failure')
    expect(failure.textContent).toContain('relation "users" already exists')
    expect(failure.textContent).toContain('0002_create_users')
    expect(screen.getByTestId('migrations-overall-progress').getAttribute('aria-valuenow')).toBe('100')
    expect(screen.getAllByTestId('migration-row').find((r) => r.dataset.schema === 'globex')?.querySelector('[data-state=failed]')).toBeTruthy()

    client.failMigration = undefined
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    await waitFor(() => expect(screen.getByTestId('migrations-overall-label').textContent).toContain('1 / 1 tenants · 100%'))
    expect(screen.queryByTestId('migration-failure')).toBeNull()
    expect(client.calls.filter((c) => c.name === 'migrations/run').at(-1)?.input).toEqual({ schema: 'globex' })
  })
})

describe('segregation view', () => {
  it('shows PostgreSQL’s refusal of a cross-tenant read', async () => {
    window.location.hash = '#segregation'
    renderConsole(new MemoryClient(DEMO_SEED))
    fireEvent.click(await screen.findByRole('option', { name: /Globex/ }))
    expect((await screen.findByTestId('session-search-path')).textContent).toBe('globex, public')
    fireEvent.change(screen.getByTestId('probe-target'), { target: { value: 'initech' } })
    fireEvent.click(screen.getByTestId('probe-run'))
    const result = await screen.findByTestId('probe-result')
    expect(result.getAttribute('role')).toBe('alert')
    expect(result.dataset.allowed).toBe('false')
    expect(screen.getByTestId('probe-sqlstate').textContent).toBe('42501')
    expect(screen.getByTestId('probe-message').textContent).toBe('permission denied for schema initech')
    const active = screen.getAllByTestId('schema-card').find((c) => c.dataset.schema === 'globex')
    expect(active?.getAttribute('aria-current')).toBe('true')
  })

  it('shows exact counts as they are and labels an estimate as one', async () => {
    const client = new MemoryClient(DEMO_SEED)
    const answer = client.call.bind(client)
    client.call = (async (name: string, input: unknown) => {
      const result = await answer(name as never, input as never)
      if (name !== 'inspect/schemas') return result
      // A big table: past the exact-count threshold the server sends PostgreSQL's estimate.
      return (result as { name: string; tables: { name: string; rows: { count: number; exact: boolean } }[] }[]).map((schema) =>
        schema.name === 'acme' ? { ...schema, tables: [...schema.tables, { name: 'events', rows: { count: 1_234_567, exact: false } }] } : schema,
      )
    }) as typeof client.call
    window.location.hash = '#segregation'
    renderConsole(client)
    const acme = await waitFor(() => {
      const card = screen.getAllByTestId('schema-card').find((c) => c.dataset.schema === 'acme')
      if (!card) throw new Error('no acme card yet')
      return card
    })
    const counts = within(acme).getAllByTestId('schema-table-rows')
    expect(counts.map((c) => c.textContent)).toEqual(['2 rows', '0 rows', '≈ 1,234,567 rows (estimate)'])
    expect(counts.map((c) => c.dataset.exact)).toEqual(['true', 'true', 'false'])
  })
})
