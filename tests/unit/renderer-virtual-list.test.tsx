// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { VirtualList, visibleRange } from '../../renderer/src/components/virtual-list.tsx'
import { MemoryClient } from '../../renderer/src/testing/memory-client.ts'
import { renderConsole } from '../../renderer/src/testing/render-console.tsx'

afterEach(cleanup)

describe('visibleRange', () => {
  it('covers the rows in view plus the overscan, clamped to the list', () => {
    expect(visibleRange(5000, 50, 0, 500, 5)).toEqual({ start: 0, end: 16 })
    expect(visibleRange(5000, 50, 10_000, 500, 5)).toEqual({ start: 195, end: 216 })
    expect(visibleRange(5000, 50, 249_900, 500, 5)).toEqual({ start: 4993, end: 5000 })
    expect(visibleRange(3, 50, 0, 500, 5)).toEqual({ start: 0, end: 3 })
    expect(visibleRange(0, 50, 0, 500, 5)).toEqual({ start: 0, end: 0 })
  })
})

describe('VirtualList', () => {
  it('renders only the rows in view and follows the scroll position', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `item ${i}`)
    render(
      <VirtualList
        data-testid="list"
        items={items}
        rowHeight={40}
        fallbackHeight={400}
        overscan={3}
        getKey={(item) => item}
        renderRow={(item) => <span data-testid="row">{item}</span>}
      />,
    )
    expect(screen.getAllByTestId('row')).toHaveLength(14)
    expect((screen.getByTestId('list').firstElementChild as HTMLElement).style.height).toBe('200000px')

    const list = screen.getByTestId('list')
    list.scrollTop = 40 * 2500
    fireEvent.scroll(list)
    const rows = screen.getAllByTestId('row').map((r) => r.textContent)
    expect(rows).toHaveLength(17)
    expect(rows).toContain('item 2500')
    expect(rows).not.toContain('item 0')
  })
})

describe('tenant sidebar with 5,000 tenants', () => {
  it('renders a bounded number of rows, and search narrows them at once', async () => {
    const client = new MemoryClient()
    for (let i = 0; i < 5000; i++) client.addTenant({ name: `Tenant ${String(i).padStart(4, '0')}`, schema: `t${String(i).padStart(4, '0')}` })
    renderConsole(client)
    await waitFor(() => expect(screen.getByTestId('tenant-count').textContent).toBe('5,000 tenants'))
    const rows = screen.getAllByTestId('tenant-row')
    expect(rows.length).toBeGreaterThan(5)
    expect(rows.length).toBeLessThan(40)
    expect(screen.getByTestId('tenant-list').querySelectorAll('[role=option]').length).toBe(rows.length)
    expect(rows[0]?.getAttribute('aria-setsize')).toBe('5000')

    fireEvent.change(screen.getByTestId('tenant-search'), { target: { value: 't4999' } })
    expect(screen.getAllByTestId('tenant-row').map((r) => r.dataset.schema)).toEqual(['t4999'])
    expect(screen.getByTestId('tenant-count').textContent).toBe('1 of 5,000')
  })

  it('moves through the list with the keyboard and switches on Enter', async () => {
    const client = new MemoryClient()
    for (let i = 0; i < 200; i++) client.addTenant({ name: `Tenant ${String(i).padStart(3, '0')}`, schema: `t${String(i).padStart(3, '0')}` })
    renderConsole(client)
    const list = await screen.findByTestId('tenant-list')
    fireEvent.keyDown(list, { key: 'End' })
    await waitFor(() => expect(screen.getAllByTestId('tenant-row').some((r) => r.dataset.schema === 't199')).toBe(true))
    fireEvent.keyDown(list, { key: 'ArrowUp' })
    fireEvent.keyDown(list, { key: 'Enter' })
    await waitFor(() => expect(client.activeSchema()).toBe('t198'))
  })
})
