import { ConsoleRpc } from '../fixtures/console-rpc.ts'
import { expect, test } from '../fixtures/console-test.ts'

/*
 * The Activity view against `schemata serve` on its own embedded PostgreSQL
 * (pg_stat_statements preloaded and installed by the product itself). Load
 * goes through the console's real RPC, each call in its tenant's scope, so
 * PostgreSQL attributes it to that tenant's role.
 */

/** `times` customer reads in `schema`, through an RPC window of its own switched to that tenant. */
async function busy(rpc: ConsoleRpc, schema: string, times: number): Promise<void> {
  await rpc.call('tenants/switch', { schema })
  for (let i = 0; i < times; i++) await rpc.call('data/customers/list', { tenant: schema, search: `x${i % 5}` })
}

test('ranks the tenant that was made busy first, marks it noisy, and opens its top statements', async ({ consolePage, consoleServer }) => {
  const { activity } = consolePage.at
  await consolePage.openView('activity')
  await expect(activity.rows).toHaveCount(3)
  await expect(activity.statsOff).toHaveCount(0)

  // The view's first sample is the start of its window; the work below happens after it.
  await busy(new ConsoleRpc(consoleServer), 'globex', 150)
  await busy(new ConsoleRpc(consoleServer), 'initech', 5)

  await expect(activity.rows.first()).toHaveAttribute('data-schema', 'globex', { timeout: 20_000 })
  await expect(activity.row('globex').getByTestId('noisy-marker')).toBeVisible()
  await expect(activity.row('initech').getByTestId('noisy-marker')).toHaveCount(0)
  await expect(activity.rows.nth(1)).toHaveAttribute('data-schema', 'initech')

  await activity.rankBy('calls').click()
  await expect(activity.rows.first()).toHaveAttribute('data-schema', 'globex')

  await consolePage.openTenantActivity('globex')
  await expect(activity.topStatements.filter({ hasText: 'customers' }).first()).toBeVisible()
  await activity.back.click()
  await expect(activity.table).toBeVisible()
})
