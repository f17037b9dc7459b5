import { expect, test } from '@playwright/test'
import { ConsolePage } from '../fixtures/page-actions/console-actions.ts'
import { ConsoleRpc } from '../fixtures/console-rpc.ts'
import { startConsoleServer, type ConsoleServer } from '../fixtures/console-server.ts'

/*
 * How long a tenant switch takes in the browser, from the click to the new
 * tenant's rows in the DOM, with 1,000 tenants in the registry and the sidebar.
 * Not part of the suite (playwright.config.ts leaves it out unless
 * SCHEMATA_MEASURE=1; creating 1,000 tenants takes a while):
 *   npm run measure:switch
 * The numbers are printed and attached to the report.
 */
test.describe.configure({ mode: 'serial' })

const TENANTS = Number(process.env.SCHEMATA_MEASURE_TENANTS ?? 1000)
const SWITCHES = Number(process.env.SCHEMATA_MEASURE_SWITCHES ?? 21)
/** The little of the DOM the timing callback uses, typed here: tests compile without the DOM lib. */
interface TimingElement {
  click(): void
  textContent: string | null
  dataset: Record<string, string | undefined>
}
interface TimingWindow {
  document: { querySelector(selector: string): TimingElement | null; body: unknown }
  performance: { now(): number }
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void; disconnect(): void }
  requestAnimationFrame(callback: () => void): void
}

const EXPECTED_FIRST: Record<string, string> = { acme: 'Wile E. Coyote', globex: 'Hank Scorpio', initech: 'Peter Gibbons' }

let server: ConsoleServer | undefined

test.beforeAll(async () => {
  test.setTimeout(30 * 60_000)
  server = await startConsoleServer({ name: 'e2e-measure' })
  const rpc = new ConsoleRpc(server)
  const existing = (await rpc.call('tenants/list', {})).length
  const started = performance.now()
  // A few at a time: each creation is one transaction (schema, migrations, role, grants).
  let next = 0
  const worker = async () => {
    for (let i = next++; i < TENANTS - existing; i = next++) {
      const schema = `load_${String(i).padStart(4, '0')}`
      await rpc.call('tenants/create', { name: `Load tenant ${String(i).padStart(4, '0')}`, schema })
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
  console.log(`created ${TENANTS - existing} tenants in ${((performance.now() - started) / 1000).toFixed(1)} s`)
})

test.afterAll(async () => {
  await server?.stop()
})

test(`switch time with ${TENANTS} tenants`, async ({ page }, testInfo) => {
  test.setTimeout(5 * 60_000)
  if (!server) throw new Error('no server')
  const consolePage = new ConsolePage(page, server)
  await consolePage.open()
  await expect(consolePage.at.sidebar.count).toHaveText(`${TENANTS.toLocaleString('en-US')} tenants`, { timeout: 60_000 })
  await consolePage.switchByClick('initech')
  await consolePage.expectCustomers(['Peter Gibbons', 'Milton Waddams', 'Bill Lumbergh', 'Samir Nagheenanajar'])

  const order = ['acme', 'globex', 'initech']
  const dom: number[] = []
  const painted: number[] = []
  for (let i = 0; i < SWITCHES; i++) {
    const schema = order[i % order.length] as string
    const timing = await page.evaluate(
      ({ schema, first }) =>
        new Promise<{ dom: number; painted: number }>((resolve, reject) => {
          const w = globalThis as unknown as TimingWindow
          const document = w.document
          const row = document.querySelector(`[data-testid="tenant-row"][data-schema="${schema}"]`)
          if (!row) return reject(new Error(`no sidebar row for ${schema}`))
          const shown = () => {
            const banner = document.querySelector('[data-testid="active-tenant-banner"]')
            const cell = document.querySelector('[data-testid="customers-view"] [data-testid="grid-row"] [data-column="name"]')
            return banner?.dataset.schema === schema && cell?.textContent === first
          }
          const timeout = setTimeout(() => reject(new Error(`switch to ${schema} not shown within 10 s`)), 10_000)
          const observer = new w.MutationObserver(() => {
            if (!shown()) return
            const dom = w.performance.now() - start
            observer.disconnect()
            clearTimeout(timeout)
            // The next frame is when the rows are on screen.
            w.requestAnimationFrame(() => resolve({ dom, painted: w.performance.now() - start }))
          })
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
          const start = w.performance.now()
          row.click()
        }),
      { schema, first: EXPECTED_FIRST[schema] as string },
    )
    dom.push(timing.dom)
    painted.push(timing.painted)
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 2)] as number
  }
  const summary = {
    tenants: TENANTS,
    switches: SWITCHES,
    medianMs: Number(median(dom).toFixed(1)),
    medianToNextFrameMs: Number(median(painted).toFixed(1)),
    minMs: Number(Math.min(...dom).toFixed(1)),
    maxMs: Number(Math.max(...dom).toFixed(1)),
    samplesMs: dom.map((v) => Number(v.toFixed(1))),
  }
  console.log(`switch timing: ${JSON.stringify(summary)}`)
  await testInfo.attach('switch-timing.json', { body: JSON.stringify(summary, null, 2), contentType: 'application/json' })
  expect(summary.medianMs).toBeLessThan(1000)
})
