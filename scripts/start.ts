import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronVersion, getElectronBinary, missingDisplay } from './electron-binary.ts'

/*
 * `npm start`: the desktop app where it can open, else the same console in the
 * browser. Electron's binary is fetched first through Electron's own
 * downloader (electron-vite would only say "Electron uninstall"), then the
 * build runs, then the app. Without a binary or a display it explains why in
 * two lines and runs `schemata serve --open` until Ctrl+C;
 * SCHEMATA_NO_FALLBACK=1 makes it stop there with exit code 1 instead.
 * Arguments after `--` go to `schemata serve` (e.g. `npm start -- --port 0`).
 */

const root = fileURLToPath(new URL('..', import.meta.url))
const env = process.env
const serveArgs = process.argv.slice(2)

/** The two lines that say why there is no window and how to get one. */
export function explainNoWindow(problems: { display?: string | undefined; electron?: string | undefined; version: string }, fallback: boolean): [string, string] {
  const why = [problems.electron, problems.display].filter((p): p is string => p !== undefined).join(', and ')
  const how: string[] = []
  if (problems.electron !== undefined) {
    how.push(`run npm start once with network access (Electron downloads itself), or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron ${problems.version}`)
  }
  if (problems.display !== undefined) how.push('run it in a desktop session (on a server: xvfb-run -a npm start)')
  const then = fallback ? ' Meanwhile, the same console opens in your browser.' : ''
  return [`The desktop window cannot open: ${why}.`, `To get it: ${how.join('; ')}.${then}`]
}

/** Runs a command to its end with inherited output; resolves with its exit code. */
function run(command: string, args: string[], options: { quiet?: boolean } = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n` }))
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }))
  })
}

/**
 * Runs a long-lived child until it exits, relaying Ctrl+C once. The child has
 * its own process group: a terminal's Ctrl+C reaches this process twice (from
 * the terminal and again from npm, which forwards it), and `schemata serve`
 * reads a second signal as "stop now, skip the clean shutdown".
 */
function runUntilStopped(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true })
    let firstSignalAt: number | undefined
    const relay = (): void => {
      const now = Date.now()
      // Signals within a second of the first are the same Ctrl+C arriving by another route.
      if (firstSignalAt !== undefined && now - firstSignalAt < 1_000) return
      firstSignalAt ??= now
      child.kill('SIGINT')
    }
    process.on('SIGINT', relay)
    process.on('SIGTERM', relay)
    child.once('error', (error) => {
      console.error(`could not start ${command}: ${error.message}`)
      resolve(1)
    })
    child.once('close', (code, signal) => {
      process.off('SIGINT', relay)
      process.off('SIGTERM', relay)
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1))
    })
  })
}

async function build(): Promise<boolean> {
  console.error('Building the app (electron-vite build)…')
  const result = await run(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { quiet: true })
  if (result.code !== 0) {
    process.stderr.write(result.output)
    console.error('The build failed (output above).')
  }
  return result.code === 0
}

async function main(): Promise<number> {
  const display = missingDisplay(env)
  // No display, no window: fetching a 100 MB binary that cannot be shown would only delay the console.
  const electron = await getElectronBinary({
    download: display === undefined,
    onDownloadStart: (version) => console.error(`Fetching the Electron ${version} binary (first start only)…`),
  })
  if (electron.available && display === undefined) {
    if (!(await build())) return 1
    // electron-vite finds the binary through ELECTRON_EXEC_PATH as well as electron's own path.txt.
    env.ELECTRON_EXEC_PATH = electron.path
    return runUntilStopped(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'preview', '--skipBuild'])
  }
  const fallback = env.SCHEMATA_NO_FALLBACK !== '1'
  const [why, how] = explainNoWindow(
    { display, electron: electron.available ? undefined : electron.reason, version: wantedElectron() },
    fallback,
  )
  console.error(why)
  console.error(how)
  if (!fallback) return 1
  if (!(await build())) return 1
  return runUntilStopped(process.execPath, [path.join(root, 'bin/schemata.js'), 'serve', '--open', ...serveArgs])
}

/** The Electron version this checkout wants, for the message (the package may be missing). */
function wantedElectron(): string {
  try {
    return electronVersion()
  } catch {
    return '45'
  }
}

process.exitCode = await main()
