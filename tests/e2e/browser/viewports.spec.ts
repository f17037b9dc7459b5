import { randomBytes } from 'node:crypto'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from '../fixtures/tenant-fixture.ts'

/*
 * The console on the screens people present from: at each size the page
 * never scrolls sideways (scrollWidth <= innerWidth), every tab can be
 * reached and shown, and every dialog fits the viewport with each of its
 * controls reachable (scrolled into view inside the dialog) and visible. Tabs
 * and controls are found, not listed, so new views and fields are covered too.
 */

const VIEWPORTS = [
  { width: 1024, height: 640 },
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
] as const

const CONTROLS = 'button, input, select, textarea, [role="tab"], [role="option"], a[href]'
// Wholly visible, give or take a sub-pixel edge that a scroll container rounds away (a control half cut off is 0.5).
const WHOLLY = { ratio: 0.97 }

/** What page code sees of the window (tests are type-checked without the DOM lib). */
interface PageWindow {
  innerWidth: number
  scrollX: number
  document: { documentElement: { scrollWidth: number } }
}

/** A toolbar as page code sees it. */
interface ToolbarBox {
  children: ArrayLike<{ getBoundingClientRect(): { top: number; bottom: number } }>
}

/** An element's own box and the size of its content. */
interface Box {
  scrollWidth: number
  clientWidth: number
  scrollHeight: number
  clientHeight: number
}

/** The page does not scroll sideways, and is not scrolled sideways. */
async function expectNoHorizontalOverflow(page: Page, when: string): Promise<void> {
  const sizes = await page.evaluate(() => {
    const win = globalThis as unknown as PageWindow
    return { scrollWidth: win.document.documentElement.scrollWidth, innerWidth: win.innerWidth, scrollX: win.scrollX }
  })
  expect(sizes.scrollWidth, `horizontal overflow ${when}`).toBeLessThanOrEqual(sizes.innerWidth)
  expect(sizes.scrollX, `page scrolled sideways ${when}`).toBe(0)
}

/** The element's box lies inside the viewport. */
async function expectInsideViewport(page: Page, element: Locator, what: string): Promise<void> {
  const box = await element.boundingBox()
  const viewport = page.viewportSize()
  expect(box, `${what} has a box`).not.toBeNull()
  if (!box || !viewport) return
  expect(box.x, `${what} left edge`).toBeGreaterThanOrEqual(0)
  expect(box.y, `${what} top edge`).toBeGreaterThanOrEqual(0)
  expect(box.x + box.width, `${what} right edge`).toBeLessThanOrEqual(viewport.width + 0.5)
  expect(box.y + box.height, `${what} bottom edge`).toBeLessThanOrEqual(viewport.height + 0.5)
}

/** A dialog fits the viewport, its close button shows without scrolling, and each control can be scrolled to and seen. */
async function expectDialogUsable(page: Page, dialog: Locator, name: string): Promise<void> {
  await expect(dialog).toBeVisible()
  await expectInsideViewport(page, dialog, `${name} dialog`)
  const close = dialog.getByTestId('modal-close')
  if ((await close.count()) > 0) await expect(close, `${name}: close`).toBeInViewport(WHOLLY)
  const controls = await dialog.locator(CONTROLS).all()
  expect(controls.length, `${name} has controls`).toBeGreaterThan(0)
  for (const control of controls) {
    if (!(await control.isVisible())) continue
    const label = (await control.getAttribute('aria-label')) ?? (await control.textContent())?.trim() ?? (await control.getAttribute('data-testid')) ?? '?'
    await control.scrollIntoViewIfNeeded()
    await expect(control, `${name}: "${label}"`).toBeInViewport(WHOLLY)
  }
  await expectNoHorizontalOverflow(page, `with the ${name} dialog open`)
}

for (const size of VIEWPORTS) {
  test.describe(`${size.width}×${size.height}`, () => {
    test.use({ viewport: size })

    test('no sideways scrolling; every tab can be reached and shown', async ({ consolePage, tenant }) => {
      const { page } = consolePage
      await consolePage.switchByClick(tenant.schema)
      await expectNoHorizontalOverflow(page, 'on load')
      const tabs = await page.getByRole('tab').all()
      expect(tabs.length).toBeGreaterThanOrEqual(6)
      for (const tab of tabs) {
        const label = (await tab.textContent())?.trim() ?? '?'
        await tab.click()
        await expect(tab, label).toHaveAttribute('aria-selected', 'true')
        await expect(tab, `${label} tab`).toBeInViewport(WHOLLY)
        await expect(page.locator('#view-panel')).toBeVisible()
        await expectNoHorizontalOverflow(page, `after opening ${label}`)
      }
    })

    if (size.width >= 1440) {
      test('each view’s toolbars keep to one line', async ({ consolePage, tenant }) => {
        const { page } = consolePage
        await consolePage.switchByClick(tenant.schema)
        for (const tab of await page.getByRole('tab').all()) {
          const label = (await tab.textContent())?.trim() ?? '?'
          await tab.click()
          await expect(tab, label).toHaveAttribute('aria-selected', 'true')
          await expect(page.locator('#view-panel')).toBeVisible()
          for (const toolbar of await page.locator('#view-panel [role="toolbar"]').all()) {
            if (!(await toolbar.isVisible())) continue
            const name = (await toolbar.getAttribute('aria-label')) ?? '?'
            // One line: the items' boxes all overlap one horizontal band (a wrapped item starts below another's bottom).
            const boxes = await toolbar.evaluate((bar: ToolbarBox) =>
              Array.from(bar.children)
                .map((item) => item.getBoundingClientRect())
                // A spacer has no height: it sits on whichever line it is on.
                .filter((box) => box.bottom > box.top)
                .map((box) => ({ top: box.top, bottom: box.bottom })),
            )
            expect(boxes.length, `${label}: the ${name} toolbar has items`).toBeGreaterThan(0)
            const lowestTop = Math.max(...boxes.map((box) => box.top))
            const highestBottom = Math.min(...boxes.map((box) => box.bottom))
            expect(lowestTop, `${label}: the ${name} toolbar wraps onto a second line`).toBeLessThan(highestBottom)
          }
        }
      })
    }

    test('every dialog fits and each of its controls can be reached', async ({ consolePage, tenant }) => {
      // Every control of four dialogs is scrolled to and checked one by one (the palette alone has a few dozen): slow by design.
      test.slow()
      const { page } = consolePage
      await consolePage.switchByClick(tenant.schema)

      await consolePage.at.sidebar.createButton.click()
      await expectDialogUsable(page, page.getByTestId('create-tenant-dialog'), 'new tenant')
      await page.keyboard.press('Escape')

      await consolePage.at.banner.manage.click()
      const manage = page.getByTestId('manage-tenant-dialog')
      await expectDialogUsable(page, manage, 'manage')
      await manage.getByTestId('open-drop').click()
      await expectDialogUsable(page, page.getByTestId('drop-tenant-dialog'), 'drop')
      await page.getByTestId('drop-tenant-dialog').getByTestId('modal-close').click()
      await expect(page.getByTestId('drop-tenant-dialog')).toBeHidden()

      await page.keyboard.press('ControlOrMeta+k')
      await expectDialogUsable(page, page.getByTestId('command-palette'), 'command palette')
      await page.keyboard.press('Escape')
    })

    test('a long tenant name stays readable in the banner', async ({ consolePage, rpc }) => {
      const schema = `long_${randomBytes(4).toString('hex')}`
      const name = 'Acme Corporation International Holdings (Europe)'
      await rpc.call('tenants/create', { name, schema })
      try {
        await expect(consolePage.at.sidebar.row(schema)).toBeVisible()
        await consolePage.switchByClick(schema)
        const banner = consolePage.at.banner.name
        await expect(banner).toHaveText(name)
        // Nothing of it is cut off: the text fits the box it is shown in (wrapping onto a second line if it must).
        const fits = await banner.evaluate((el: Box) => el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1)
        expect(fits).toBe(true)
        await expectInsideViewport(consolePage.page, banner, 'the banner name')
        await expectNoHorizontalOverflow(consolePage.page, 'with a long tenant name')
      } finally {
        await rpc.call('tenants/drop', { schema, confirm: schema })
      }
    })
  })
}
