import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/*
 * Getting the Electron binary, in one place: `npm start` and the test command
 * both ask here whether the desktop app can run.
 *
 * Electron 45 has no install step: its binary is downloaded the first time
 * `require('electron')` runs (node_modules/electron/index.js), synchronously
 * and with no time limit. electron-vite and Playwright only look for the
 * binary, so on a fresh clone they fail with "Electron uninstall". This module
 * runs Electron's own downloader (node_modules/electron/install.js, the
 * package's `install-electron` bin: @electron/get, its cache, its checksums)
 * in a child process with a time limit, then checks the binary really starts.
 */

const require = createRequire(import.meta.url)

/** Where the electron package is installed (node_modules/electron). */
function electronPackageDir(): string {
  return path.dirname(require.resolve('electron/package.json'))
}

/** The Electron version this checkout depends on (from node_modules/electron/package.json). */
export function electronVersion(packageDir = electronPackageDir()): string {
  return (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version
}

/** The executable's path inside an unpacked Electron for this platform (what electron writes to path.txt). */
function platformExecutable(): string {
  if (process.platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron'
  return process.platform === 'win32' ? 'electron.exe' : 'electron'
}

/**
 * The Electron executable if it is already on disk, without downloading
 * anything: ELECTRON_OVERRIDE_DIST_PATH (an unpacked Electron), else the
 * binary electron's own downloader put in node_modules/electron/dist. The
 * same rules as node_modules/electron/index.js, which would download instead
 * of answering "no".
 */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env, pkg = electronPackageDir()): string | undefined {
  const pathFile = path.join(pkg, 'path.txt')
  const recorded = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined
  const override = env.ELECTRON_OVERRIDE_DIST_PATH
  const candidate = override
    ? path.join(override, recorded || platformExecutable())
    : recorded === undefined
      ? undefined
      : path.join(pkg, 'dist', recorded)
  return candidate !== undefined && existsSync(candidate) ? candidate : undefined
}

export type ElectronBinary =
  | { available: true; path: string; version: string; downloaded: boolean }
  | {
      available: false
      /** One plain sentence: why there is no usable binary. */
      reason: string
    }

export interface GetElectronOptions {
  /** Longest the download may take before it is given up (default 180 s). */
  timeoutMs?: number
  /** Try the download when the binary is missing (default true); false only looks. */
  download?: boolean
  env?: NodeJS.ProcessEnv
  /** Told before a download starts (it can take a while on a first start). */
  onDownloadStart?: (version: string) => void
  /** The electron package whose binary is wanted (default: the installed node_modules/electron). */
  packageDir?: string
}

/** The last meaningful line of a failed child's stderr, without its stack trace. */
function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at ') && !/^Downloading Electron/i.test(line))
  const line = lines.find((l) => /error|failed|ENOTFOUND|ECONN|EAI_AGAIN|status|code/i.test(l)) ?? lines[0]
  if (line === undefined) return 'no output'
  // Node's fetch hides the cause (DNS, refused, reset) behind this one message.
  if (/^TypeError: fetch failed$/.test(line)) return 'the download server could not be reached: fetch failed'
  return line.replace(/^Error:\s*/, '').slice(0, 200)
}

/** Runs Electron's own downloader with a time limit; resolves with undefined on success or a reason. */
function runElectronInstaller(timeoutMs: number, env: NodeJS.ProcessEnv, packageDir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    // The progress bar needs a terminal; this child's stderr is read instead, for the one-line reason.
    const child = spawn(process.execPath, [path.join(packageDir, 'install.js')], {
      env: { ...env, ELECTRON_GET_NO_PROGRESS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      resolve(`the downloader could not run (${error.message})`)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve(`the download did not finish within ${Math.round(timeoutMs / 1000)} s`)
      else if (code === 0) resolve(undefined)
      else resolve(`the download failed (${lastError(stderr)})`)
    })
  })
}

/** Whether the binary starts at all: `electron --version` needs no display. Returns its version or a reason. */
function probeBinary(executable: string): { version: string } | { reason: string } {
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '' } })
  if (result.error) return { reason: `${executable} does not start (${result.error.message})` }
  if (result.status !== 0) return { reason: `${executable} does not start (exit ${result.status ?? result.signal}: ${lastError(result.stderr)})` }
  return { version: result.stdout.trim().replace(/^v/, '') }
}

/**
 * The Electron binary for this checkout: found on disk, or fetched by
 * Electron's own downloader within `timeoutMs`, then checked to start.
 * Never throws: `available: false` comes with a one-sentence reason.
 */
export async function getElectronBinary(options: GetElectronOptions = {}): Promise<ElectronBinary> {
  const env = options.env ?? process.env
  let packageDir: string
  let version: string
  try {
    packageDir = options.packageDir ?? electronPackageDir()
    version = electronVersion(packageDir)
  } catch {
    return { available: false, reason: 'the electron package is not installed (run npm install)' }
  }
  let found = findElectronBinary(env, packageDir)
  let downloaded = false
  if (found === undefined) {
    if (env.ELECTRON_OVERRIDE_DIST_PATH) {
      return { available: false, reason: `ELECTRON_OVERRIDE_DIST_PATH=${env.ELECTRON_OVERRIDE_DIST_PATH} holds no ${platformExecutable()}` }
    }
    if (options.download === false) return { available: false, reason: `the Electron ${version} binary has not been downloaded` }
    options.onDownloadStart?.(version)
    const failure = await runElectronInstaller(options.timeoutMs ?? 180_000, env, packageDir)
    found = findElectronBinary(env, packageDir)
    if (found === undefined) {
      return { available: false, reason: `the Electron ${version} binary is not installed and ${failure ?? 'the download left no binary'}` }
    }
    downloaded = true
  }
  const probe = probeBinary(found)
  if ('reason' in probe) return { available: false, reason: probe.reason }
  return { available: true, path: found, version: probe.version, downloaded }
}

/** Why a window cannot be shown on this machine even with a binary, or undefined if it can (Linux needs X11 or Wayland). */
export function missingDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return undefined
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return undefined
  return 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)'
}
