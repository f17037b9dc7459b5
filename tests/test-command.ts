/*
 * `npm test`: typecheck, lint, build, vitest (unit + integration against real
 * PostgreSQL servers), the PgBouncer pass, then Playwright (browser and
 * Electron), stopping at the first failure. It ends with one line saying what
 * was skipped and why; with CI set, any skip but the Electron suite's fails
 * the run.
 *
 * Electron 45 downloads its binary on first use, so a fresh clone has none:
 * before the e2e step this fetches it the way `npm start` does (Electron's own
 * downloader, with a short time limit) and the Electron suite is skipped only
 * when it truly cannot be had — the reason is printed. Without a display the
 * e2e step runs under `xvfb-run -a` when that is installed.
 *
 *   node --import tsx tests/test-command.ts [step…]     (npm test [-- step…])
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getElectronBinary, missingDisplay } from '../scripts/electron-binary.ts'
import { ELECTRON_UNAVAILABLE_ENV, SKIP_LEDGER_ENV, readSkips, skipVerdict } from './fixtures/skip-ledger.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
/** How long the Electron download may take here: a test run must not hang on a slow or blocked network. */
const ELECTRON_DOWNLOAD_TIMEOUT_MS = 60_000

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' })
    child.once('error', (error) => {
      console.error(`${command}: ${error.message}`)
      resolve(1)
    })
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

/** Makes the Electron binary available if it can be had; returns how to run the e2e step and why Electron cannot run, if it cannot. */
async function prepareElectron(env: NodeJS.ProcessEnv): Promise<{ wrapper: string[]; unavailable?: string }> {
  const electron = await getElectronBinary({
    timeoutMs: ELECTRON_DOWNLOAD_TIMEOUT_MS,
    env,
    onDownloadStart: (version) => console.log(`test: fetching the Electron ${version} binary (as npm start does; at most ${ELECTRON_DOWNLOAD_TIMEOUT_MS / 1000} s)…`),
  })
  if (!electron.available) return { wrapper: [], unavailable: electron.reason }
  const display = missingDisplay(env)
  if (display === undefined) return { wrapper: [] }
  if (onPath('xvfb-run')) return { wrapper: ['xvfb-run', '-a'] }
  return { wrapper: [], unavailable: `${display}, and xvfb-run is not installed (the xvfb package)` }
}

async function main(): Promise<number> {
  const ledger = path.join(root, '.test-data', `skips-${process.pid}`)
  rmSync(ledger, { recursive: true, force: true })
  mkdirSync(ledger, { recursive: true })
  const env: NodeJS.ProcessEnv = { ...process.env, [SKIP_LEDGER_ENV]: ledger }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
  let failed: string | undefined
  let code = 0
  try {
    const steps: [string, () => Promise<number>][] = [
      ['typecheck', () => run(npm, ['run', '--silent', 'typecheck'], env)],
      ['lint', () => run(npm, ['run', '--silent', 'lint'], env)],
      ['build', () => run(npm, ['run', '--silent', 'build'], env)],
      ['vitest', () => run(npx, ['vitest', 'run'], env)],
      ['pooler', () => run(npm, ['run', '--silent', 'test:pooler'], env)],
      [
        'e2e',
        async () => {
          const electron = await prepareElectron(env)
          const e2eEnv = { ...env }
          if (electron.unavailable !== undefined) {
            console.log(`test: the Electron e2e suite will be skipped: ${electron.unavailable}`)
            e2eEnv[ELECTRON_UNAVAILABLE_ENV] = electron.unavailable
          }
          const [wrapper, ...wrapperArgs] = electron.wrapper
          return wrapper === undefined
            ? run(npm, ['run', '--silent', 'test:e2e:run'], e2eEnv)
            : run(wrapper, [...wrapperArgs, npm, 'run', '--silent', 'test:e2e:run'], e2eEnv)
        },
      ],
    ]
    // `npm test -- vitest e2e` runs only the named steps (typecheck, lint, build, vitest, pooler, e2e).
    const only = process.argv.slice(2)
    const unknown = only.filter((name) => !steps.some(([step]) => step === name))
    if (unknown.length > 0) {
      console.error(`test: unknown step ${unknown.join(', ')} (steps: ${steps.map(([step]) => step).join(', ')})`)
      return 2
    }
    for (const [name, step] of steps.filter(([step]) => only.length === 0 || only.includes(step))) {
      code = await step()
      if (code !== 0) {
        failed = name
        break
      }
    }
  } finally {
    const { line, refused } = skipVerdict(readSkips(ledger), env)
    console.log(`\ntest: ${line}`)
    if (refused.length > 0) {
      console.error(`test: CI is set, so a skip is a failure (only the Electron suite may skip): ${refused.map((s) => s.what).join(', ')}`)
      code ||= 1
    }
    if (failed !== undefined) console.error(`test: failed at ${failed}`)
    rmSync(ledger, { recursive: true, force: true })
  }
  return code
}

process.exitCode = await main()
