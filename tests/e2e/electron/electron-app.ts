import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { _electron, test as base, type ElectronApplication, type Page } from '@playwright/test'
import { stopEmbedded } from '../../../electron/main/db/embedded-server.ts'
import type { SchemataBridge } from '../../../electron/preload/bridge-api.ts'
import { findElectronBinary, missingDisplay } from '../../../scripts/electron-binary.ts'
import { ELECTRON_UNAVAILABLE_ENV } from '../../fixtures/skip-ledger.ts'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * Why the Electron app cannot be launched here, or undefined when it can. The
 * test command fetches the binary first (as `npm start` does) and passes on
 * why it could not; run directly, this looks for the binary without
 * downloading it (the one rule, shared with `npm start`: scripts/electron-binary.ts).
 */
export function electronUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const told = env[ELECTRON_UNAVAILABLE_ENV]?.trim()
  if (told) return `Electron e2e skipped: ${told}`
  if (findElectronBinary(env) === undefined) {
    return 'Electron e2e skipped: no Electron binary yet (npm test fetches it; or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45)'
  }
  const display = missingDisplay(env)
  return display === undefined ? undefined : `Electron e2e skipped: ${display} (run under xvfb-run -a, as npm test does)`
}

interface Fixtures {
  /** The built app (out/main/index.js), launched on a fresh data directory; closed (and its database stopped) after the test. */
  electronApp: ElectronApplication
  /** Its first window. */
  page: Page
}

/**
 * Launches the built app the way a user does (`electron .`), with its own
 * SCHEMATA_DATA_DIR so the first run initialises a fresh embedded cluster
 * and seeds the demo tenants. Run `npm run build` first; on a headless Linux
 * box, run Playwright under `xvfb-run -a`.
 */
export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern
  electronApp: async ({}, use) => {
    if (!existsSync(path.join(repoRoot, 'out', 'main', 'index.js'))) {
      throw new Error('out/main/index.js is missing: run `npm run build` before the Electron e2e tests')
    }
    // Under the repo, not os.tmpdir(): as root the cluster is owned by postgres, and a shared tmp dir leaks those.
    const dataDir = path.join(repoRoot, '.test-data', `electron-${randomBytes(4).toString('hex')}`)
    await mkdir(dataDir, { recursive: true })
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && key !== 'DATABASE_URL' && key !== 'ELECTRON_RENDERER_URL') env[key] = value
    }
    env.SCHEMATA_DATA_DIR = dataDir
    const app = await _electron.launch({ args: ['.'], cwd: repoRoot, env })
    try {
      await use(app)
    } finally {
      // close() quits the app; its before-quit handler stops the embedded server it started.
      await app.close()
      await stopEmbedded(dataDir)
      await rm(dataDir, { recursive: true, force: true })
    }
  },
  page: async ({ electronApp }, use, testInfo) => {
    const page = await electronApp.firstWindow()
    await use(page)
    if (testInfo.status !== testInfo.expectedStatus && !page.isClosed()) {
      await testInfo.attach('window on failure', { body: await page.screenshot(), contentType: 'image/png' })
    }
  },
})

/** What page code sees of the window, typed for `page.evaluate` callbacks (tests are type-checked without the DOM lib). */
export type PageGlobals = {
  schemata?: SchemataBridge
  open(url: string): unknown
  fetch(url: string): Promise<{ headers: { get(name: string): string | null } }>
}

export { expect } from '@playwright/test'
