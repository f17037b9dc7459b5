import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumExecutable } from './tests/e2e/fixtures/chromium.ts'

/*
 * Two projects: `browser` (the console in Chromium against `schemata serve`)
 * and `electron` (the built app through `_electron.launch`). Both need a build
 * first; the test script does it:
 *   "test:e2e": "npm run build && node --import tsx tests/e2e/fixtures/ensure-chromium.ts && playwright test"
 * Chromium: CHROMIUM_PATH, else /usr/bin/chromium, else Playwright's own
 * browser — where there is no system Chromium, ensure-chromium.ts runs
 * `npx playwright install chromium` before the tests.
 */
const executablePath = chromiumExecutable()

// Tools, not tests: they write docs/*.png or take a measurement, and run only when asked
// (`npm run screenshots`, `npm run measure:switch`). Left out of the suite rather than skipped in it.
const tools = [
  ...(process.env.SCHEMATA_SCREENSHOTS === '1' ? [] : ['**/docs-screenshots.spec.ts']),
  ...(process.env.SCHEMATA_MEASURE === '1' ? [] : ['**/switch-timing.spec.ts']),
]

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  // A stray test.only must not turn a CI run into a run of one test.
  forbidOnly: Boolean(process.env.CI),
  // No retries: a test that passes on its second try is a flaky test, and flaky must read as failed.
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // The skip reporter tells the test command what was skipped and why (tests/fixtures/skip-ledger.ts).
  reporter: [['list'], ['./tests/e2e/fixtures/skip-reporter.ts']],
  outputDir: 'test-results',
  use: {
    screenshot: 'only-on-failure',
    // With no retries, 'on-first-retry' would never record one: keep the trace of each failure instead.
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'browser',
      testMatch: 'browser/**/*.spec.ts',
      testIgnore: tools,
      use: {
        browserName: 'chromium',
        headless: true,
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          ...(executablePath === undefined ? {} : { executablePath }),
          args: CHROMIUM_ARGS,
        },
      },
    },
    {
      name: 'electron',
      testMatch: 'electron/**/*.spec.ts',
    },
  ],
})
