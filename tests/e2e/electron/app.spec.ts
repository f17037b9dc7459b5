import { CONTENT_SECURITY_POLICY } from '../../../electron/main/window/window-options.ts'
import { electronUnavailable, expect, test, type PageGlobals } from './electron-app.ts'

const unavailable = electronUnavailable()
// Printed once when the file loads: Playwright's list reporter shows a skipped test without its reason
// (the test command's skip summary has it too).
if (unavailable !== undefined) console.warn(unavailable)
test.skip(unavailable !== undefined, unavailable)

// page.evaluate callbacks are serialised into the renderer: they may use only their own code and globals.
// One launch, one story: a first run (initdb + demo) costs seconds, so the steps share it.
test('launch, switch tenant and create a tenant in the Electron app', async ({ electronApp, page }) => {
  // A first run initialises a PostgreSQL cluster before the window has tenants to show.
  test.setTimeout(120_000)
  await test.step('launches one isolated window on our own scheme, with the CSP header', async () => {
    expect(await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1)
    expect(page.url()).toMatch(/^schemata:\/\/app\//)
    const facts = await page.evaluate(async () => {
      const w = globalThis as unknown as PageGlobals & Record<string, unknown>
      const response = await w.fetch('schemata://app/index.html')
      return {
        require: typeof w.require,
        process: typeof w.process,
        module: typeof w.module,
        keys: Object.keys(w.schemata ?? {}),
        popupBlocked: w.open('https://example.com/') === null,
        csp: response.headers.get('content-security-policy'),
      }
    })
    expect(facts).toMatchObject({ require: 'undefined', process: 'undefined', module: 'undefined', popupBlocked: true })
    expect(facts.csp).toBe(CONTENT_SECURITY_POLICY)
    expect(facts.keys).toEqual(expect.arrayContaining(['call', 'on', 'tenantsList', 'tenantsSwitch', 'inspectProbeCrossTenant']))
    expect(facts.keys).not.toContain('ipcRenderer')
  })

  await test.step('the first run comes up with the demo tenants', async () => {
    await expect(page.getByTestId('tenant-row')).toHaveCount(3, { timeout: 60_000 })
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).schemata?.dbStatus())).toMatchObject({ mode: 'embedded', running: true })
  })

  await test.step('switching a tenant shows its rows only', async () => {
    await page.locator('[data-testid="tenant-row"][data-schema="globex"]').click()
    await expect(page.getByTestId('active-tenant-banner')).toHaveAttribute('data-schema', 'globex')
    await expect(page.getByTestId('customers-view')).toContainText('Hank Scorpio')
    await expect(page.getByTestId('customers-view')).not.toContainText('Wile E. Coyote')
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).schemata?.tenantsActive())).toMatchObject({ tenant: { schema: 'globex' } })
  })

  await test.step('errors cross the bridge as envelopes', async () => {
    const error = await page.evaluate(() => (globalThis as unknown as PageGlobals).schemata?.tenantsSwitch({ schema: 'nobody' }).then(() => null, (e: unknown) => e))
    expect(error).toMatchObject({ code: 'TENANT_NOT_FOUND', field: 'schema' })
  })

  await test.step('creating a tenant adds it to the sidebar', async () => {
    await page.getByTestId('create-tenant-button').click()
    await page.getByLabel('Name', { exact: true }).fill('Umbrella Corp')
    await page.getByLabel('Schema', { exact: true }).fill('umbrella')
    await page.getByTestId('create-tenant-submit').click()
    await expect(page.locator('[data-testid="tenant-row"][data-schema="umbrella"]')).toBeVisible()
    const tenants = await page.evaluate(() => (globalThis as unknown as PageGlobals).schemata?.tenantsList())
    expect(tenants?.map((tenant) => tenant.schema)).toContain('umbrella')
  })
})
