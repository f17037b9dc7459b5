// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole } from '../../renderer/src/testing/render-console.tsx'

afterEach(() => {
  cleanup()
  window.location.hash = ''
})

const order = () => screen.getAllByTestId('activity-row').map((row) => row.dataset.schema)

describe('Activity view', () => {
  it('ranks tenants by what they cost and marks the one above the threshold as a noisy neighbour', async () => {
    window.location.hash = '#activity'
    const client = new MemoryClient(DEMO_SEED)
    client.activityCalls.set('acme', 40)
    client.activityCalls.set('globex', 60)
    renderConsole(client)
    await waitFor(() => expect(order()).toEqual(['globex', 'acme', 'initech']))
    const [globex, acme] = screen.getAllByTestId('activity-row')
    expect(within(globex as HTMLElement).getByTestId('noisy-marker').textContent).toBe('Noisy neighbour')
    expect(within(acme as HTMLElement).queryByTestId('noisy-marker')).toBeNull()
    expect(within(globex as HTMLElement).getByRole('img').getAttribute('aria-label')).toBe('globex: statement time per interval')

    // 60 % is above 50 %, not above 75 %.
    fireEvent.change(screen.getByTestId('activity-threshold'), { target: { value: '0.75' } })
    await waitFor(() => expect(screen.queryAllByTestId('noisy-marker')).toHaveLength(0))
    expect(client.calls.filter((c) => c.name === 'activity/overview').at(-1)?.input).toEqual({ rankBy: 'time', windowSeconds: 300, noisyShare: 0.75 })

    fireEvent.click(screen.getByTestId('activity-rank-calls'))
    await waitFor(() => expect(client.calls.filter((c) => c.name === 'activity/overview').at(-1)?.input).toMatchObject({ rankBy: 'calls' }))
    expect(within(screen.getAllByTestId('activity-row')[0] as HTMLElement).getByTestId('activity-metric').textContent).toBe('60 calls')
  })

  it('opens a tenant’s top statements, sizes and sessions, and goes back', async () => {
    window.location.hash = '#activity'
    const client = new MemoryClient(DEMO_SEED)
    client.activityCalls.set('acme', 12)
    renderConsole(client)
    const rows = await screen.findAllByTestId('activity-row')
    fireEvent.click(within(rows[0] as HTMLElement).getByTestId('activity-open'))
    const statements = await screen.findAllByTestId('top-statement')
    expect(statements).toHaveLength(1)
    expect(statements[0]?.textContent).toContain('FROM "customers"')
    expect(screen.getByTestId('activity-sizes').textContent).toContain('TOAST')
    expect(screen.getByTestId('activity-no-sessions')).toBeTruthy()
    expect(client.calls.some((c) => c.name === 'activity/tenant' && (c.input as { schema: string }).schema === 'acme')).toBe(true)
    fireEvent.click(screen.getByTestId('activity-back'))
    expect(await screen.findByTestId('activity-table')).toBeTruthy()
  })

  it('says why statement statistics are off, and still lists the tenants', async () => {
    window.location.hash = '#activity'
    const client = new MemoryClient(DEMO_SEED)
    client.activityStats = { available: false, reason: 'not-installed', message: 'the pg_stat_statements extension is not installed in database "x"' }
    renderConsole(client)
    const notice = await screen.findByTestId('activity-stats-off')
    expect(notice.textContent).toContain('not installed in database "x"')
    expect(screen.getAllByTestId('activity-row')).toHaveLength(3)
  })
})
