import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { expect } from 'vitest'

/*
 * What the renderer tests do in the rendered console, as a person would:
 * read the Customers grid, add a customer through the row editor, pick a tenant.
 */

/** The cells of one column of the grid inside `root`, in grid order. */
export function gridColumn(root: HTMLElement, name: string): string[] {
  return within(root)
    .queryAllByTestId('grid-row')
    .map((row) => row.querySelector(`[data-column="${name}"]`)?.textContent ?? '')
}

/** The names in the Customers view's grid, in grid order. */
export function customerNames(): string[] {
  const view = screen.queryByTestId('customers-view')
  return view ? gridColumn(view, 'name') : []
}

/** Turns on "Allow edits", opens a new row, types name and email, and inserts it. */
export async function addCustomer(name: string, email: string): Promise<void> {
  const view = screen.getByTestId('customers-view')
  const toggle = within(view).getByRole('switch')
  if (!(toggle as HTMLInputElement).checked) fireEvent.click(toggle)
  await waitFor(() => expect(within(view).getByTestId<HTMLButtonElement>('grid-insert').disabled).toBe(false))
  fireEvent.click(within(view).getByTestId('grid-insert'))
  const editor = await screen.findByTestId('row-editor')
  fireEvent.change(within(editor).getByLabelText(/^name/), { target: { value: name } })
  fireEvent.change(within(editor).getByLabelText(/^email/), { target: { value: email } })
  fireEvent.click(within(editor).getByRole('button', { name: 'Insert row' }))
}

/** Clicks the tenant's row in the sidebar. */
export async function openTenant(schema: string): Promise<void> {
  fireEvent.click(await screen.findByRole('option', { name: new RegExp(schema) }))
}
