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

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'browser',
      testMatch: 'browser/**/*.spec.ts',
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
