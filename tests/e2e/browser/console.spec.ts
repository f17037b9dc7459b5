import { randomBytes } from 'node:crypto'
import { tenantMigrations } from '../../fixtures/demo-project.ts'
import { expect, test } from '../fixtures/tenant-fixture.ts'
import { withServerDatabase } from '../fixtures/server-database.ts'

/*
 * The admin console in Chromium against `schemata serve` on a fresh embedded
 * database seeded with the demo tenants (see fixtures/console-test.ts). Each
 * test has its own browser context, so its own window id and active tenant.
 */

const DEMO_CUSTOMERS: Record<string, string[]> = {
  acme: ['Wile E. Coyote', 'Road Runner Logistics', 'Marvin Martian'],
  globex: ['Hank Scorpio', 'Homer Simpson'],
  initech: ['Peter Gibbons', 'Milton Waddams', 'Bill Lumbergh', 'Samir Nagheenanajar'],
}

test('lists the three demo tenants', async ({ consolePage }) => {
  const { sidebar } = consolePage.at
  await expect(sidebar.rows).toHaveCount(3)
  expect(await Promise.all((await sidebar.rows.all()).map((row) => row.getAttribute('data-schema')))).toEqual(['acme', 'globex', 'initech'])
  await expect(sidebar.count).toHaveText('3 tenants')
  await expect(sidebar.dbStatus).toContainText('Embedded PostgreSQL')
  await expect(consolePage.at.banner.root).toContainText('No tenant selected')
})

test('the console token leaves the address bar at once and no page script can read it; a bare URL shows how to get in', async ({ consolePage, consoleServer, browser }) => {
  const { page } = consolePage
  expect(page.url()).toBe(`${consoleServer.origin}/`)
  // Everything a script of the page could read (a string: the page's DOM types are not this file's).
  const seen = await page.evaluate<{ cookie: string; session: string; local: string }>(
    '({ cookie: document.cookie, session: JSON.stringify({ ...sessionStorage }), local: JSON.stringify({ ...localStorage }) })',
  )
  for (const where of [seen.cookie, seen.session, seen.local]) expect(where).not.toContain(consoleServer.token)
  const cookies = await page.context().cookies()
  expect(cookies.find((c) => c.value === consoleServer.token)).toMatchObject({ name: `schemata_console_${consoleServer.port}`, httpOnly: true, sameSite: 'Strict' })

  // Another browser profile (no cookie) at the bare address: a page that says what to do, not JSON.
  const stranger = await browser.newContext()
  try {
    const bare = await stranger.newPage()
    const response = await bare.goto(consoleServer.origin)
    expect(response?.status()).toBe(401)
    await expect(bare.getByTestId('console-sign-in')).toContainText('schemata serve')
    await expect(bare.getByRole('heading')).toHaveText('This console needs its link')
  } finally {
    await stranger.close()
  }
})

test('switches by click, palette and Ctrl+2, and the customers follow', async ({ consolePage }) => {
  const { page } = consolePage
  await consolePage.switchByClick('acme')
  await consolePage.expectCustomers(DEMO_CUSTOMERS.acme ?? [])
  await expect(consolePage.at.banner.name).toHaveText('Acme Corporation')
  await expect(page).toHaveTitle(/Acme Corporation \(acme\)/)

  await consolePage.switchByPalette('initch', 'initech')
  await consolePage.expectCustomers(DEMO_CUSTOMERS.initech ?? [])
  await expect(page).toHaveTitle(/initech/)

  await consolePage.switchByShortcut(2)
  await consolePage.expectActive('globex')
  await consolePage.expectCustomers(DEMO_CUSTOMERS.globex ?? [])
  await expect(consolePage.at.sidebar.row('globex')).toHaveAttribute('aria-selected', 'true')
  await expect(consolePage.at.sidebar.row('acme')).toHaveAttribute('aria-selected', 'false')
})

test('creates a tenant through the dialog, refusing an invalid schema inline', async ({ consolePage, rpc }) => {
  const form = consolePage.at.createTenant
  const schema = `umbrella_${randomBytes(3).toString('hex')}`
  await consolePage.startCreateTenant()
  await form.name.fill('Umbrella Corporation')
  await expect(form.schema).toHaveValue('umbrella_corporation')
  await form.schema.fill('Bad-Name')
  await expect(form.alerts).toContainText('must match ^[a-z_][a-z0-9_]{0,62}$')
  await expect(form.schema).toHaveAttribute('aria-invalid', 'true')
  await form.schema.fill('pg_umbrella')
  await expect(form.alerts).toContainText('must not start with "pg_"')
  await form.submit.click()
  await expect(form.dialog).toBeVisible()

  await form.schema.fill(schema)
  await expect(form.alerts).toHaveCount(0)
  await form.submit.click()
  await expect(form.dialog).toBeHidden()
  await consolePage.expectActive(schema)
  await expect(consolePage.at.sidebar.row(schema)).toBeVisible()
  await consolePage.expectCustomers([])

  await rpc.call('tenants/drop', { schema, confirm: schema })
  await expect(consolePage.at.sidebar.row(schema)).toHaveCount(0)
})

test('shows the server’s refusal under the field it names', async ({ consolePage }) => {
  const form = consolePage.at.createTenant
  await consolePage.startCreateTenant()
  await form.name.fill('Acme Imposter')
  await form.schema.fill(`imposter_${randomBytes(3).toString('hex')}`)
  // Valid by the rules, but the server knows acme.localhost belongs to acme.
  await form.domains.fill('acme.localhost')
  await expect(form.alerts).toHaveCount(0)
  await form.submit.click()
  await expect(form.alerts).toContainText('Refused by the server')
  await expect(form.alerts).toContainText('"acme.localhost" already belongs to another tenant')
  await expect(form.domains).toHaveAttribute('aria-invalid', 'true')
  await expect(form.dialog).toBeVisible()
  await expect(consolePage.at.sidebar.rows).toHaveCount(3)
})

test('a customer added to one tenant is seen in that tenant only', async ({ tenant, consolePage }) => {
  await consolePage.switchByClick(tenant.schema)
  await consolePage.expectCustomers([])
  await consolePage.addCustomer('Only Here', 'only@here.example')
  await consolePage.expectCustomers(['Only Here'])

  await consolePage.switchByClick('acme')
  await consolePage.expectCustomers(DEMO_CUSTOMERS.acme ?? [])
  await expect(consolePage.at.customers.view).not.toContainText('Only Here')

  await consolePage.switchByClick(tenant.schema)
  await consolePage.expectCustomers(['Only Here'])
})

test('the segregation probe shows PostgreSQL refusing another tenant’s table', async ({ consolePage }) => {
  const at = consolePage.at.segregation
  await consolePage.switchByClick('globex')
  await consolePage.openView('segregation')
  await expect(at.currentUser).toContainText('globex')
  await expect(at.searchPath).toContainText('globex')
  await expect(at.schemaCards.and(consolePage.page.locator('[data-schema="globex"]'))).toHaveAttribute('aria-current', 'true')

  await consolePage.probeCrossTenant('acme')
  await expect(at.probeResult).toHaveAttribute('data-allowed', 'false')
  await expect(at.probeResult).toContainText('Refused by PostgreSQL')
  await expect(at.probeMessage).toContainText('permission denied')
  await expect(at.probeSqlstate).toHaveText('42501')
})

test('runs migrations with progress reaching 100%: a tenant behind before, applied after', async ({ tenant, consolePage, consoleServer }) => {
  const at = consolePage.at.migrations
  // Put the tenant one migration behind, as if created by an older build: the last migration undone by its own
  // down, and no ledger rows for it.
  const last = tenantMigrations.at(-1)
  if (!last?.down) throw new Error('the last demo tenant migration has no down')
  const behind = last.name
  await withServerDatabase(consoleServer, async (client) => {
    await client.query(`BEGIN; SET LOCAL search_path TO ${tenant.schema}, public`)
    await last.down?.({ query: async (sql) => (await client.query<Record<string, unknown>>(sql)).rows, exec: async (sql) => void (await client.query(sql)), schema: tenant.schema })
    await client.query(
      `DELETE FROM ${tenant.schema}.schemata_migrations WHERE name = '${behind}';
       DELETE FROM public.tenant_migrations WHERE schema = '${tenant.schema}' AND name = '${behind}';
       COMMIT`,
    )
  })
  await consolePage.openView('migrations')
  await expect(at.cell(tenant.schema, behind)).toHaveAttribute('data-state', 'pending')
  await expect(at.pendingCount).toHaveText('1 pending')

  await consolePage.runMigrations()
  await expect(at.overall).toHaveAttribute('aria-valuenow', '100')
  await expect(at.overallLabel).toContainText(/(\d+) \/ \1 tenants · 100%/)
  await expect(at.run).toBeEnabled()
  await expect(at.failures).toHaveCount(0)
  const rows = await at.rows.count()
  expect(rows).toBeGreaterThanOrEqual(4)
  await expect(at.tenantBars).toHaveCount(rows)
  for (const bar of await at.tenantBars.all()) await expect(bar).toHaveAttribute('aria-valuenow', '100')
  await expect(at.grid.locator('[data-state=pending], [data-state=failed]')).toHaveCount(0)
  await expect(at.cell(tenant.schema, behind)).toHaveAttribute('data-state', 'applied')
  await expect(at.pendingCount).toHaveText('Everything is up to date')
  // Applied in the database, not only on screen: the table is back and both ledgers record it.
  const [state] = await withServerDatabase(consoleServer, async (client) =>
    (
      await client.query<{ users: boolean; own: string; central: string }>(
        `SELECT to_regclass($1) IS NOT NULL AS users,
                (SELECT count(*) FROM ${tenant.schema}.schemata_migrations WHERE name = $2) AS own,
                (SELECT count(*) FROM public.tenant_migrations WHERE schema = $3 AND name = $2) AS central`,
        [`${tenant.schema}.users`, behind, tenant.schema],
      )
    ).rows,
  )
  expect(state).toEqual({ users: true, own: '1', central: '1' })
})

test('never shows a blank window: a call that fails is a visible alert', async ({ consolePage }) => {
  const { page } = consolePage
  await consolePage.switchByClick('acme')
  await page.route('**/rpc/data/rows', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'DATABASE_UNAVAILABLE', message: 'the database went away' } }) }),
  )
  await consolePage.switchByClick('globex')
  await expect(consolePage.at.customers.error).toContainText('the database went away')
  await expect(consolePage.at.customers.error).toHaveAttribute('role', 'alert')
})
