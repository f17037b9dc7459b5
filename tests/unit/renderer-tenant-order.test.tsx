// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { TENANT_PALETTE } from '../../renderer/src/lib/tenant-color.ts'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { DEMO_SEED, renderConsole } from '../../renderer/src/testing/render-console.tsx'
import { ciede2000, contrastWithWhite, hexToLab } from './color-difference.ts'

afterEach(cleanup)

/** The smallest CIEDE2000 distance between any two of `colors`, and the pair. */
function closestPair(colors: readonly string[]): { distance: number; pair: [string, string] } {
  let closest = { distance: Number.POSITIVE_INFINITY, pair: ['', ''] as [string, string] }
  for (let i = 0; i < colors.length; i++) {
    for (let j = i + 1; j < colors.length; j++) {
      const distance = ciede2000(hexToLab(colors[i] as string), hexToLab(colors[j] as string))
      if (distance < closest.distance) closest = { distance, pair: [colors[i] as string, colors[j] as string] }
    }
  }
  return closest
}

describe('tenant colours', () => {
  it('measures CIEDE2000 as the reference data does (Sharma, Wu & Dalal 2005)', () => {
    // Pairs 1, 7, 17 and 25 of the paper's table.
    expect(ciede2000({ L: 50, a: 2.6772, b: -79.7751 }, { L: 50, a: 0, b: -82.7485 })).toBeCloseTo(2.0425, 4)
    expect(ciede2000({ L: 50, a: 0, b: 0 }, { L: 50, a: -1, b: 2 })).toBeCloseTo(2.3669, 4)
    expect(ciede2000({ L: 50, a: 2.5, b: 0 }, { L: 73, a: 25, b: -18 })).toBeCloseTo(27.1492, 4)
    expect(ciede2000({ L: 60.2574, a: -34.0099, b: 36.2677 }, { L: 60.4626, a: -34.1751, b: 39.4387 })).toBeCloseTo(1.2644, 4)
  })

  it('keeps any two of the first nine at least ΔE₀₀ 20 apart, with readable white initials', () => {
    const firstNine = TENANT_PALETTE.slice(0, 9)
    expect(new Set(firstNine).size).toBe(9)
    const { distance, pair } = closestPair(firstNine)
    // 22.0 today (blue #1d4ed8 and sky #0088cc); the old hue-per-name colours came as close as 0.
    expect(distance, `closest pair ${pair.join(' / ')}`).toBeGreaterThanOrEqual(20)
    for (const color of firstNine) expect(contrastWithWhite(color), color).toBeGreaterThanOrEqual(3.5)
  })

  it('gives the first nine tenants nine different colours', async () => {
    const seed = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Soylent'].map((name) => ({ name, schema: name.toLowerCase() }))
    renderConsole(new MemoryClient(seed))
    const rows = await screen.findAllByTestId('tenant-row')
    const colors = rows.map((row) => row.querySelector<HTMLElement>('.tenant-badge')?.dataset.color)
    expect(new Set(colors.slice(0, 9)).size).toBe(9)
    // The tenth has no shortcut and repeats a colour.
    expect(colors[9]).toBe(colors[0])
  })
})

describe('the Ctrl+N order', () => {
  /** Each row's schema and the digit of its shortcut, as the sidebar shows them. */
  const shortcuts = (): Record<string, string | undefined> =>
    Object.fromEntries(screen.getAllByTestId('tenant-row').map((row): [string, string | undefined] => [row.dataset.schema ?? '', within(row).queryByTestId('tenant-shortcut')?.textContent?.slice(-1)]))

  it('is creation order, shown in the sidebar, and creating "Hooli" leaves Initech on Ctrl+3', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await screen.findAllByTestId('tenant-row')
    expect(shortcuts()).toEqual({ acme: '1', globex: '2', initech: '3' })

    // Sorted by name, Hooli would come between Globex and Initech.
    await client.call('tenants/create', { name: 'Hooli', schema: 'hooli' })
    await waitFor(() => expect(screen.getAllByTestId('tenant-row').map((row) => row.dataset.schema)).toEqual(['acme', 'globex', 'initech', 'hooli']))
    expect(shortcuts()).toEqual({ acme: '1', globex: '2', initech: '3', hooli: '4' })
    const initechColor = within(screen.getAllByTestId('tenant-row')[2] as HTMLElement).getByText('I').dataset.color

    fireEvent.keyDown(window, { key: '3', code: 'Digit3', ctrlKey: true })
    await waitFor(() => expect(client.activeSchema()).toBe('initech'))
    fireEvent.keyDown(window, { key: '4', code: 'Digit4', ctrlKey: true })
    await waitFor(() => expect(client.activeSchema()).toBe('hooli'))
    expect(within(screen.getAllByTestId('tenant-row')[2] as HTMLElement).getByText('I').dataset.color).toBe(initechColor)
  })

  it('does not renumber when the sidebar is filtered', async () => {
    const client = new MemoryClient(DEMO_SEED)
    renderConsole(client)
    await screen.findAllByTestId('tenant-row')
    fireEvent.change(screen.getByTestId('tenant-search'), { target: { value: 'initech' } })
    await waitFor(() => expect(screen.getAllByTestId('tenant-row')).toHaveLength(1))
    expect(shortcuts()).toEqual({ initech: '3' })
    // Ctrl+1 is still Acme, though the filtered list does not show it.
    fireEvent.keyDown(window, { key: '1', code: 'Digit1', ctrlKey: true })
    await waitFor(() => expect(client.activeSchema()).toBe('acme'))
  })
})
