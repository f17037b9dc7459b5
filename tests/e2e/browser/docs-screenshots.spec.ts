import path from 'node:path'
import { send } from '../../fixtures/http-send.ts'
import { expect, test } from '../fixtures/console-test.ts'
import { REPO_ROOT } from '../fixtures/console-server.ts'
import { RequestsPanel } from '../fixtures/page-actions/requests-actions.ts'

/*
 * Regenerates the README's screenshots (1280×800) from the demo data:
 *   npm run screenshots
 * Not part of the suite (playwright.config.ts leaves it out unless
 * SCHEMATA_SCREENSHOTS=1): it writes into docs/.
 */
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

test('the Requests panel', async ({ consolePage, consoleServer }) => {
  const { page } = consolePage
  const { port } = consoleServer
  await consolePage.switchByClick('globex')
  const panel = new RequestsPanel(page)
  await panel.open()
  // A little traffic for the log: a browser, curl, and the panel itself.
  await send(port, { path: '/api/tenant', host: `acme.localhost:${port}` })
  await send(port, { path: '/api/customers', host: `initech.localhost:${port}` })
  await panel.preset('subdomain', 'globex')
  await panel.send()
  await panel.preset('conflict', 'acme')
  await panel.send()
  // The window is on globex; the request goes to initech by its header.
  await panel.preset('header', 'initech')
  await panel.send()
  await panel.expectResolved('initech', 200, 'header')
  await expect(page.getByTestId('live-indicator')).toContainText('Live')
  // Sending focused the button and scrolled the panel; the picture starts at the top.
  await page.evaluate('document.getElementById("view-panel").scrollTo(0, 0)')
  await page.mouse.move(1270, 790)
  await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'screenshot-requests.png'), animations: 'disabled' })
})
