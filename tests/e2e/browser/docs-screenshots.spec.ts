import path from 'node:path'
import { expect, test } from '../fixtures/console-test.ts'
import { REPO_ROOT } from '../fixtures/console-server.ts'

/*
 * Regenerates the README's screenshots (1280×800) from the demo data:
 *   SCHEMATA_SCREENSHOTS=1 npx playwright test docs-screenshots --project browser
 * Skipped in the normal suite: it writes into docs/.
 */
test.skip(process.env.SCHEMATA_SCREENSHOTS !== '1', 'writes docs/*.png; run with SCHEMATA_SCREENSHOTS=1')
test.use({ viewport: { width: 1280, height: 800 } })

test('tenant view and segregation view', async ({ consolePage }) => {
  const { page } = consolePage
  await consolePage.switchByClick('acme')
  await consolePage.expectCustomers(['Wile E. Coyote', 'Road Runner Logistics', 'Marvin Martian'])
  await expect(page.getByTestId('live-indicator')).toContainText('Live')
  await page.mouse.move(1270, 790)
  await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'screenshot-tenant.png'), animations: 'disabled' })

  await consolePage.switchByClick('globex')
  await consolePage.probeCrossTenant('acme')
  await expect(consolePage.at.segregation.probeMessage).toContainText('permission denied')
  await expect(consolePage.at.segregation.currentUser).toBeVisible()
  await page.mouse.move(1270, 790)
  await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'screenshot-segregation.png'), animations: 'disabled' })
})
