import { randomBytes } from 'node:crypto'
import { ConsolePage } from '../fixtures/page-actions/console-actions.ts'
import { startConsoleServer } from '../fixtures/console-server.ts'
import { expect, test } from '../fixtures/console-test.ts'

/*
 * What a presenter runs into (issue 11): `serve` restarted under an open tab,
 * a console with no tenants, the shortcut order after a create, row counts
 * that are the real ones.
 */

test('an open tab reconnects by itself after serve restarts, on the tenant it was on', async ({ page }) => {
  test.setTimeout(180_000)
  const server = await startConsoleServer({ name: 'e2e-restart' })
  try {
    const at = new ConsolePage(page, server)
    await at.open()
    await at.switchByClick('globex')
    await at.expectCustomers(['Hank Scorpio', 'Homer Simpson'])
    await expect(page.getByTestId('live-indicator')).toContainText('Live')
    // Marks this very page: after the restart it must be the same page, not a reload.
    await page.evaluate('globalThis.__beforeRestart = true')

    const token = await server.restart()
    expect(token, 'the token persists across restarts of the same data directory').toBe(server.token)

    await expect(page.getByTestId('live-indicator')).toContainText('Live', { timeout: 30_000 })
    await expect(page.getByTestId('outage-alert')).toHaveCount(0, { timeout: 15_000 })
    expect(await page.evaluate('globalThis.__beforeRestart === true')).toBe(true)
    await at.expectActive('globex')
    // Data calls work again in globex's scope (the new serve knew nothing of this tab until it rejoined).
    await at.openView('segregation')
    await expect(at.at.segregation.currentUser).toContainText('globex')
    await at.switchByShortcut(3)
    await at.expectActive('initech')
    await at.openView('customers')
    await at.expectCustomers(['Peter Gibbons', 'Milton Waddams', 'Bill Lumbergh', 'Samir Nagheenanajar'])
    await expect(page.getByRole('alert')).toHaveCount(0)
  } finally {
    await server.stop()
  }
})

test('with no tenants: a real empty state, Requests aim at no made-up tenant, and the demo loads in one click', async ({ page }) => {
  test.setTimeout(180_000)
  const server = await startConsoleServer({ name: 'e2e-empty', demo: false })
  try {
    await page.goto(server.url)
    const empty = page.getByTestId('first-tenant')
    await expect(empty).toBeVisible({ timeout: 30_000 })
    await expect(empty).toContainText('No tenants yet')
    await expect(page.getByTestId('active-tenant-banner')).toContainText('Create your first tenant')
    await expect(page.getByTestId('active-tenant-banner')).not.toContainText('Pick a tenant')

    await page.getByTestId('tab-requests').click()
    await expect(page.getByTestId('requests-presets-none')).toBeVisible()
    await expect(page.getByTestId('requests-host')).toHaveValue(`localhost:${server.port}`)
    await expect(page.getByTestId('requests-preset-tenant')).toHaveCount(0)

    await page.getByTestId('tab-customers').click()
    await page.getByTestId('first-tenant-demo').click()
    const rows = page.getByTestId('tenant-row')
    await expect(rows).toHaveCount(3)
    expect(await Promise.all((await rows.all()).map((row) => row.getAttribute('data-schema')))).toEqual(['acme', 'globex', 'initech'])
    await expect(page.getByTestId('active-tenant-banner')).toHaveAttribute('data-schema', 'acme')
    await expect(page.getByTestId('first-tenant')).toHaveCount(0)
  } finally {
    await server.stop()
  }
})

test('creating "Hooli" leaves Initech on Ctrl+3: the order is creation order, and each row shows its number', async ({ consolePage, rpc }) => {
  const { page } = consolePage
  const form = consolePage.at.createTenant
  const schema = `hooli_${randomBytes(3).toString('hex')}`
  await consolePage.startCreateTenant()
  await form.name.fill('Hooli')
  await form.schema.fill(schema)
  await form.submit.click()
  await expect(form.dialog).toBeHidden()
  try {
    await consolePage.expectActive(schema)
    const shortcut = (s: string) => consolePage.at.sidebar.row(s).getByTestId('tenant-shortcut')
    await expect(shortcut('acme')).toContainText('1')
    await expect(shortcut('globex')).toContainText('2')
    await expect(shortcut('initech')).toContainText('3')
    await expect(shortcut(schema)).toContainText('4')
    await consolePage.switchByShortcut(3)
    await consolePage.expectActive('initech')
    await consolePage.switchByShortcut(4)
    await consolePage.expectActive(schema)
    // A search does not renumber: Initech alone in the list is still Ctrl+3.
    await consolePage.at.sidebar.search.fill('initech')
    await expect(consolePage.at.sidebar.rows).toHaveCount(1)
    await expect(shortcut('initech')).toContainText('3')
    await page.keyboard.press('ControlOrMeta+1')
    await consolePage.expectActive('acme')
  } finally {
    await rpc.call('tenants/drop', { schema, confirm: schema })
  }
})

test('the segregation view shows exact row counts for small tables, on one line each', async ({ consolePage }) => {
  const { page } = consolePage
  await consolePage.switchByClick('initech')
  await consolePage.openView('segregation')
  const card = page.locator('[data-testid="schema-card"][data-schema="initech"]')
  const customers = card.locator('li', { hasText: 'customers' }).getByTestId('schema-table-rows')
  // The demo has four Initech customers; no ANALYZE has run, which made the planner's estimate 0.
  await expect(customers).toHaveText('4 rows')
  await expect(customers).toHaveAttribute('data-exact', 'true')
  await expect(card.locator('li', { hasText: 'orders' }).getByTestId('schema-table-rows')).toHaveText('3 rows')
  // One line each: a count that wrapped ("~0" above "rows") would be two lines tall, over 30 px.
  for (const line of await page.getByTestId('schema-table-rows').all()) {
    const box = await line.boundingBox()
    expect(box?.height ?? 0).toBeGreaterThan(0)
    expect(box?.height ?? 0, await line.innerText()).toBeLessThan(30)
  }
})
