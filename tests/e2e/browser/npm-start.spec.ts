import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { expect, test } from '@playwright/test'
import { embeddedStatus, stopEmbedded } from '../../../electron/main/db/embedded-server.ts'
import { findElectronBinary } from '../../../scripts/electron-binary.ts'
import { sidebarLocators } from '../fixtures/page-components/console-locators.ts'
import { REPO_ROOT } from '../fixtures/console-server.ts'

/*
 * `npm start` on this machine, as a new user runs it: there is no Electron
 * binary to be had and no display, so it says why in two lines and serves
 * the same console in the browser (fresh embedded database, demo tenants,
 * `serve --open`) until Ctrl+C. The display is taken away on purpose, so the
 * test means the same where an Electron binary does exist.
 */

test.describe.configure({ mode: 'serial' })

interface NpmStart {
  child: ChildProcessByStdio<null, Readable, Readable>
  stdout: () => string
  stderr: () => string
  /** Settles once every process of the run has closed its output (npm, its shell, start.ts, serve). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** `npm start [-- args]` in its own process group (so Ctrl+C can be sent the way a terminal does). */
function npmStart(env: NodeJS.ProcessEnv, args: string[] = []): NpmStart {
  return launch('npm', ['start', ...(args.length > 0 ? ['--', ...args] : [])], env)
}

function launch(command: string, args: string[], env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** The environment of a machine with no display (and, here, no Electron binary). */
function headless(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of ['DISPLAY', 'WAYLAND_DISPLAY', 'DATABASE_URL', 'SCHEMATA_NO_FALLBACK', 'SCHEMATA_DEMO']) delete env[key]
  return { ...env, ...extra }
}

/** Checks the two lines of explanation that come first on stderr. */
function expectExplanation(stderr: string): void {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '')
  expect(lines[0]).toMatch(/^The desktop window cannot open: .*there is no display.*\.$/)
  expect(lines[1]).toMatch(/^To get it: .*\.( Meanwhile, the same console opens in your browser\.)?$/)
  if (findElectronBinary() === undefined) {
    expect(lines[0]).toContain('the Electron 45.5.0 binary has not been downloaded')
    expect(lines[1]).toContain('with network access')
    expect(lines[1]).toContain('ELECTRON_OVERRIDE_DIST_PATH')
  }
  // Plain lines: no stack trace, no "Electron uninstall".
  expect(stderr).not.toMatch(/\n\s+at .*:\d+:\d+/)
  expect(stderr).not.toContain('Electron uninstall')
}

test('SCHEMATA_NO_FALLBACK=1: the two lines, then exit 1 without serving', async () => {
  const run = npmStart(headless({ SCHEMATA_NO_FALLBACK: '1' }))
  expect((await run.exited).code).toBe(1)
  expectExplanation(run.stderr())
  expect(run.stderr()).not.toContain('Meanwhile')
  expect(run.stdout()).not.toContain('Console:')
  expect(run.stderr()).not.toContain('Building')
})

/** Waits for the Console line of a run; fails with its output if it exits first. */
function consoleUrlOf(run: NpmStart): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /^Console: (http:\/\/localhost:\d+\/\S+)$/m.exec(run.stdout())
      if (match) {
        clearInterval(timer)
        resolve(match[1] as string)
      }
    }, 100)
    void run.exited.then(({ code }) => {
      clearInterval(timer)
      reject(new Error(`npm start exited with ${code} before the Console line:\n${run.stdout()}\n${run.stderr()}`))
    })
  })
}

/** A fresh data directory and a BROWSER that records what it was asked to open; removed (database stopped) after `fn`. */
async function withScratch(fn: (scratch: { dataDir: string; browser: string; opened: string }) => Promise<void>): Promise<void> {
  const root = path.join(REPO_ROOT, '.test-data', `npm-start-${randomBytes(4).toString('hex')}`)
  const dataDir = path.join(root, 'data')
  await mkdir(root, { recursive: true })
  const opened = path.join(root, 'opened.txt')
  const browser = path.join(root, 'browser.sh')
  await writeFile(browser, `#!/bin/sh\nprintf '%s\\n' "$1" > '${opened}'\n`)
  await chmod(browser, 0o755)
  try {
    await fn({ dataDir, browser, opened })
  } finally {
    await stopEmbedded(dataDir).catch(() => undefined)
    await rm(root, { recursive: true, force: true })
  }
}

/** Kills whatever is left of a run's process group (after a failure). */
function killGroup(run: NpmStart): void {
  try {
    process.kill(-(run.child.pid as number), 'SIGKILL')
  } catch {
    // The group is gone: everything in it has exited.
  }
}

test('explains itself, serves the console with the demo until Ctrl+C', async ({ page }) => {
  test.setTimeout(300_000)
  await withScratch(async ({ dataDir, browser, opened }) => {
    const run = npmStart(headless({ SCHEMATA_DATA_DIR: dataDir, BROWSER: browser }), ['--port', '0'])
    try {
      const consoleUrl = await consoleUrlOf(run)
      expectExplanation(run.stderr())
      expect(run.stderr()).toContain('Meanwhile, the same console opens in your browser.')

      // --open handed the console URL to the browser.
      await expect.poll(() => readFile(opened, 'utf8').catch(() => ''), { timeout: 10_000 }).toBe(`${consoleUrl}\n`)

      // The console answers, on a fresh embedded database seeded with the demo tenants.
      await page.goto(consoleUrl)
      const sidebar = sidebarLocators(page)
      await expect(sidebar.rows).toHaveCount(3, { timeout: 30_000 })
      await expect(sidebar.dbStatus).toContainText('Embedded PostgreSQL')
      expect(run.stderr()).toContain('adding the demo tenants')

      // Ctrl+C, the way a terminal sends it: to the whole foreground process group. npm's shell dies of it
      // at once and npm re-raises it on itself (a terminal shows ^C); start.ts relays one SIGINT to serve,
      // which shuts down cleanly: 'close' comes once the last of them has let go of the output.
      process.kill(-(run.child.pid as number), 'SIGINT')
      const { code, signal } = await run.exited
      expect(code === 0 || signal === 'SIGINT').toBe(true)
      expect(run.stderr()).toMatch(/\nSIGINT: stopping…\n(.*\n)*stopped\n/)
      expect((await embeddedStatus(dataDir)).running).toBe(false)
    } finally {
      killGroup(run)
    }
  })
})

test('a Ctrl+C that arrives twice (from the terminal and again from npm) still stops cleanly', async () => {
  test.setTimeout(300_000)
  await withScratch(async ({ dataDir }) => {
    // Where npm's shell execs the script (bash as sh), start.ts itself gets both copies.
    const run = launch(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', '0'], headless({ SCHEMATA_DATA_DIR: dataDir, BROWSER: 'none' }))
    try {
      await consoleUrlOf(run)
      process.kill(-(run.child.pid as number), 'SIGINT')
      await new Promise((resolve) => setTimeout(resolve, 50))
      process.kill(-(run.child.pid as number), 'SIGINT')
      expect(await run.exited).toEqual({ code: 0, signal: null })
      // One SIGINT reached serve: a second would have made it exit at once, without the clean shutdown.
      expect(run.stderr()).toMatch(/\nSIGINT: stopping…\n(.*\n)*stopped\n/)
      expect((await embeddedStatus(dataDir)).running).toBe(false)
    } finally {
      killGroup(run)
    }
  })
})
