import { readFile } from 'node:fs/promises'
import { expect, test } from '../fixtures/console-test.ts'

/*
 * The lifecycle actions of the manage dialog in browser mode, against a real
 * `schemata serve` and its embedded PostgreSQL: clone with data, rename,
 * export as a download, restore the download beside the tenant (an upload)
 * and swap, archive and unarchive from the sidebar's own section.
 */

async function openManage(consolePage: { switchByClick: (s: string) => Promise<void>; page: import('@playwright/test').Page }, schema: string) {
  await consolePage.switchByClick(schema)
  await consolePage.page.getByTestId('manage-tenant').click()
  const dialog = consolePage.page.getByTestId('manage-tenant-dialog')
  await expect(dialog).toBeVisible()
  return dialog
}

test('clone with data, rename, export as a download, restore beside by upload, swap', async ({ consolePage, rpc }) => {
  const page = consolePage.page
  let dialog = await openManage(consolePage, 'globex')

  await dialog.getByTestId('lifecycle-clone').click()
  await dialog.getByTestId('lifecycle-target').fill('globex_copy')
  await dialog.getByTestId('lifecycle-submit').click()
  await expect(dialog.getByRole('status')).toContainText('Cloned globex → globex_copy')
  await expect(page.locator('[data-testid="tenant-row"][data-schema="globex_copy"]')).toBeVisible()
  const original = await rpc.call('tenants/list', {})
  const copy = original.find((t) => t.schema === 'globex_copy')
  expect(copy?.name).toBe('Globex Corporation (copy)')

  await page.getByRole('button', { name: 'Close', exact: true }).click()
  dialog = await openManage(consolePage, 'globex_copy')
  await dialog.getByTestId('lifecycle-rename').click()
  await dialog.getByTestId('lifecycle-target').fill('globex_two')
  await dialog.getByTestId('lifecycle-submit').click()
  await expect(page.getByTestId('notice')).toContainText('Renamed globex_copy → globex_two')
  dialog = page.getByTestId('manage-tenant-dialog')
  await expect(dialog.locator('.manage__schema')).toHaveText('globex_two')
  await expect(page.locator('[data-testid="tenant-row"][data-schema="globex_two"]')).toBeVisible()
  await expect(page.locator('[data-testid="tenant-row"][data-schema="globex_copy"]')).toHaveCount(0)

  // Export: a real download of the export file.
  const downloading = page.waitForEvent('download')
  await dialog.getByTestId('lifecycle-export').click()
  const download = await downloading
  expect(download.suggestedFilename()).toBe('globex_two.tenant')
  const file = await download.path()
  const text = await readFile(file, 'utf8')
  expect(text.startsWith('SCHEMATA-TENANT-EXPORT 1\n#manifest\n')).toBe(true)
  expect(text).toMatch(/#end export parts=\d+ sha256=[0-9a-f]{64}\n$/)

  // Damage the live tenant, restore the download beside it (upload), then swap.
  await rpc.call('tenants/switch', { schema: 'globex_two' })
  const before = await rpc.call('data/customers/list', { tenant: 'globex_two' })
  for (const c of before) await rpc.call('data/customers/delete', { tenant: 'globex_two', id: c.id })
  await dialog.getByTestId('lifecycle-restore').click()
  await dialog.getByTestId('lifecycle-file').setInputFiles(file)
  await dialog.getByTestId('lifecycle-submit').click()
  await expect(dialog.getByRole('status')).toContainText('as globex_two__restored')
  await dialog.getByTestId('lifecycle-swap').click()
  await expect(dialog.getByTestId('lifecycle-target')).toHaveValue('globex_two__restored')
  await dialog.getByTestId('lifecycle-submit').click()
  await expect(dialog.getByRole('status')).toContainText('Swapped globex_two and globex_two__restored')
  const after = await rpc.call('data/customers/list', { tenant: 'globex_two' })
  expect(after.map((c) => c.name).sort()).toEqual(before.map((c) => c.name).sort())
})

test('archive from the manage dialog, then unarchive from the sidebar section', async ({ consolePage, rpc }) => {
  const page = consolePage.page
  const dialog = await openManage(consolePage, 'initech')
  await dialog.getByTestId('lifecycle-archive').click()
  await dialog.getByTestId('lifecycle-submit').click()
  await expect(page.getByTestId('manage-tenant-dialog')).toHaveCount(0)
  await expect(page.getByTestId('notice')).toContainText('Archived initech to ')
  await expect(page.locator('[data-testid="tenant-row"][data-schema="initech"]')).toHaveCount(0)
  const section = page.getByTestId('departed-tenants')
  await section.locator('summary').click()
  const row = section.locator('[data-testid="departed-row"][data-schema="initech"]')
  await expect(row).toContainText('archived')
  expect((await rpc.call('tenants/list', {})).find((t) => t.schema === 'initech')?.status).toBe('archived')
  await row.getByTestId('unarchive').click()
  await expect(page.locator('[data-testid="tenant-row"][data-schema="initech"]')).toBeVisible()
  expect((await rpc.call('tenants/list', {})).find((t) => t.schema === 'initech')?.status).toBe('active')
})

test('a refused lifecycle action says why and changes nothing', async ({ consolePage, rpc }) => {
  const dialog = await openManage(consolePage, 'acme')
  await dialog.getByTestId('lifecycle-rename').click()
  await dialog.getByTestId('lifecycle-target').fill('globex')
  await dialog.getByTestId('lifecycle-submit').click()
  await expect(dialog.getByTestId('lifecycle-error')).toContainText('a tenant with schema "globex" already exists')
  expect((await rpc.call('tenants/list', {})).some((t) => t.schema === 'acme')).toBe(true)
})
