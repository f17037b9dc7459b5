import { expect, test } from '../fixtures/tenant-fixture.ts'

/*
 * How to use the `tenant` fixture: each test gets a tenant of its own, created
 * through the console's RPC before the test and dropped after it. Tests that
 * change data should work in their tenant, never in the shared demo ones.
 */

test('a throwaway tenant exists for this test, with its own empty tables', async ({ tenant, consolePage, rpc }) => {
  await expect(consolePage.at.sidebar.row(tenant.schema)).toBeVisible()
  await consolePage.switchByClick(tenant.schema)
  await expect(consolePage.at.banner.name).toHaveText(tenant.name)
  await consolePage.expectCustomers([])

  // The RPC has a window of its own: switching there does not move the page.
  await rpc.call('tenants/switch', { schema: tenant.schema })
  await rpc.call('data/customers/create', { tenant: tenant.schema, name: 'Fixture Customer', email: 'fixture@example.com' })
  await consolePage.at.customers.reload.click()
  await consolePage.expectCustomers(['Fixture Customer'])
})

test('the previous test’s tenant is gone', async ({ tenant, rpc }) => {
  const schemas = (await rpc.call('tenants/list', {})).map((t) => t.schema)
  expect(schemas).toContain(tenant.schema)
  expect(schemas.filter((s) => s.startsWith('e2e_'))).toEqual([tenant.schema])
})
