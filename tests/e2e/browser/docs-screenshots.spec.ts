import path from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { send } from '../../fixtures/http-send.ts'
import { expect, test } from '../fixtures/console-test.ts'
import { REPO_ROOT } from '../fixtures/console-server.ts'
import { RequestsPanel } from '../fixtures/page-actions/requests-actions.ts'
import { SqlConsole } from '../fixtures/page-actions/sql-actions.ts'

/*
 * Regenerates the README's screenshots from the demo data, at 1440×900
 * (docs/screenshot-<view>.png) and at 1024×640, the smallest screen the
 * console is made for (docs/screenshot-<view>-1024.png):
 *   npm run screenshots
 * Not part of the suite (playwright.config.ts leaves it out unless
 * SCHEMATA_SCREENSHOTS=1): it writes into docs/.
 */

const SIZES = [
  { width: 1440, height: 900, suffix: '' },
  { width: 1024, height: 640, suffix: '-1024' },
] as const

/** What page code sees of the window (tests are type-checked without the DOM lib). */
interface PageWindow {
  innerWidth: number
  document: { documentElement: { scrollWidth: number } }
}

/**
 * Scrolls the view panel to its top, or, where `subject` would not show whole
 * from there (the smaller screen), just far enough that it starts at the top.
 */
async function bringIntoPicture(page: Page, subject: Locator): Promise<void> {
  await page.evaluate('document.getElementById("view-panel").scrollTo(0, 0)')
  const box = await subject.boundingBox()
  const panel = await page.locator('#view-panel').boundingBox()
  if (!box || !panel || box.y + box.height <= panel.y + panel.height) return
  await page.evaluate(`document.getElementById("view-panel").scrollBy(0, ${Math.floor(box.y - panel.y - 16)})`)
  await expect(subject).toBeInViewport()
}

/**
 * Writes docs/screenshot-<name><suffix>.png once the page does not scroll
 * sideways (a picture of an overflowing page would hide the overflow), with
 * the pointer parked in the corner so no hover state shows.
 */
async function shoot(page: Page, name: string, suffix: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => {
    const win = globalThis as unknown as PageWindow
    return { scrollWidth: win.document.documentElement.scrollWidth, innerWidth: win.innerWidth }
  })
  expect(scrollWidth, `${name}: horizontal overflow`).toBeLessThanOrEqual(innerWidth)
  const viewport = page.viewportSize() ?? { width: 0, height: 0 }
  await page.mouse.move(viewport.width - 10, viewport.height - 10)
  await page.screenshot({ path: path.join(REPO_ROOT, 'docs', `screenshot-${name}${suffix}.png`), animations: 'disabled' })
}

for (const { width, height, suffix } of SIZES) {
  test.describe(`${width}×${height}`, () => {
    test.use({ viewport: { width, height } })

    test('tenant view and segregation view', async ({ consolePage }) => {
      const { page } = consolePage
      await consolePage.switchByClick('acme')
      await consolePage.expectCustomers(['Wile E. Coyote', 'Road Runner Logistics', 'Marvin Martian'])
      await expect(page.getByTestId('live-indicator')).toContainText('Live')
      await shoot(page, 'tenant', suffix)

      await consolePage.switchByClick('globex')
      await consolePage.probeCrossTenant('acme')
      await expect(consolePage.at.segregation.probeMessage).toContainText('permission denied')
      await expect(consolePage.at.segregation.currentUser).toBeVisible()
      await bringIntoPicture(page, page.getByTestId('probe-panel'))
      await shoot(page, 'segregation', suffix)
    })

    test('the SQL view', async ({ consolePage }) => {
      const { page } = consolePage
      const sql = new SqlConsole(page)
      await consolePage.switchByClick('acme')
      await consolePage.openView('sql')
      await sql.type(
        [
          'SELECT c.name, count(o.id) AS orders,',
          '       round(sum(o.amount_cents) / 100.0, 2) AS total',
          '  FROM customers c LEFT JOIN orders o ON o.customer_id = c.id',
          ' GROUP BY c.id, c.name',
          ' ORDER BY total DESC NULLS LAST',
        ].join('\n'),
      )
      await sql.runWithKeyboard()
      await expect(sql.at.column(sql.at.grid, 'name')).toHaveCount(3)
      await expect(sql.at.summary).toContainText('read-only')
      await expect(sql.at.column(sql.at.grid, 'total').first()).toHaveText('1348.99')
      await page.evaluate('document.getElementById("view-panel").scrollTo(0, 0)')
      await shoot(page, 'sql', suffix)
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
      // Sending focused the button and scrolled the panel: the picture starts at the top, or (below
      // the form on the smaller screen) at the response.
      await bringIntoPicture(page, panel.at.response)
      await shoot(page, 'requests', suffix)
    })
  })
}
