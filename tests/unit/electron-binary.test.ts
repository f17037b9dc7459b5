import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { electronVersion, findElectronBinary, getElectronBinary, missingDisplay } from '../../scripts/electron-binary.ts'

/*
 * scripts/electron-binary.ts, the one place that decides whether the desktop
 * app can run: an unpacked Electron named by ELECTRON_OVERRIDE_DIST_PATH is
 * found and must start, a broken one is refused with a reason, and Electron's
 * own downloader is given up on after the time limit or when it fails.
 */

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'electron-binary-'))
})

afterAll(() => rm(dir, { recursive: true, force: true }))

/** An "unpacked Electron": a directory with an `electron` executable that runs `script`. */
async function fakeDist(name: string, script: string): Promise<string> {
  const dist = path.join(dir, name)
  await mkdir(dist, { recursive: true })
  const executable = path.join(dist, 'electron')
  await writeFile(executable, `#!/bin/sh\n${script}\n`)
  await chmod(executable, 0o755)
  return dist
}

const posix = process.platform !== 'win32'

describe('an unpacked Electron in ELECTRON_OVERRIDE_DIST_PATH', () => {
  it.runIf(posix)('is found and used when it starts', async () => {
    const dist = await fakeDist('good', `echo v${electronVersion()}`)
    const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dist }
    expect(findElectronBinary(env)).toBe(path.join(dist, 'electron'))
    const binary = await getElectronBinary({ env })
    expect(binary).toEqual({ available: true, path: path.join(dist, 'electron'), version: electronVersion(), downloaded: false })
  })

  it.runIf(posix)('is refused with a reason when it does not start', async () => {
    const dist = await fakeDist('broken', 'echo "error while loading shared libraries: libnss3.so" >&2; exit 127')
    const binary = await getElectronBinary({ env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dist } })
    expect(binary.available).toBe(false)
    expect(binary.available ? '' : binary.reason).toMatch(/does not start \(exit 127: .*libnss3/)
  })

  it('that holds nothing is reported without a download attempt', async () => {
    const empty = path.join(dir, 'empty')
    await mkdir(empty, { recursive: true })
    const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty }
    expect(findElectronBinary(env)).toBeUndefined()
    let asked = false
    const binary = await getElectronBinary({ env, onDownloadStart: () => (asked = true) })
    expect(asked).toBe(false)
    expect(binary).toEqual({ available: false, reason: expect.stringContaining(`ELECTRON_OVERRIDE_DIST_PATH=${empty} holds no electron`) as string })
  })
})

/*
 * The downloader is run on a fresh copy of the electron package (no binary, as
 * on a fresh clone), not on node_modules/electron itself, so these run even
 * where that one already holds a binary. The copy sits inside node_modules so
 * that its install.js finds @electron/get the way the real one does.
 */
describe("the download through Electron's own installer", () => {
  let hanging: Server
  const sockets = new Set<Socket>()
  let hangingPort = 0
  let fresh: string

  beforeAll(async () => {
    const installed = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'))
    fresh = await mkdtemp(path.join(path.dirname(installed), '.electron-fresh-'))
    for (const file of ['package.json', 'install.js', 'checksums.json']) await copyFile(path.join(installed, file), path.join(fresh, file))
  })

  afterAll(() => rm(fresh, { recursive: true, force: true }))

  beforeAll(async () => {
    // Accepts connections and never answers: a network that swallows packets.
    hanging = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
    hangingPort = (hanging.address() as { port: number }).port
  })

  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => hanging.close(resolve))
  })

  /** The environment of a fresh machine whose Electron mirror is `mirror`, with an empty download cache. */
  function offline(mirror: string, cache: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_MIRROR: mirror, electron_config_cache: path.join(dir, cache) }
    delete env.ELECTRON_OVERRIDE_DIST_PATH
    return env
  }

  it('is given up after the time limit when the network does not answer', async () => {
    let asked: string | undefined
    const started = Date.now()
    const binary = await getElectronBinary({
      env: offline(`http://127.0.0.1:${hangingPort}/`, 'cache-hang'),
      packageDir: fresh,
      timeoutMs: 1_500,
      onDownloadStart: (version) => (asked = version),
    })
    expect(asked).toBe(electronVersion())
    expect(binary).toEqual({ available: false, reason: `the Electron ${electronVersion()} binary is not installed and the download did not finish within 2 s` })
    // The child was killed: nothing is left running that could finish later.
    expect(Date.now() - started).toBeLessThan(60_000)
  })

  it('reports the downloader\'s own error in one line when the connection is refused', async () => {
    const refused = createServer()
    await new Promise<void>((resolve) => refused.listen(0, '127.0.0.1', resolve))
    const port = (refused.address() as { port: number }).port
    await new Promise((resolve) => refused.close(resolve))
    const binary = await getElectronBinary({ env: offline(`http://127.0.0.1:${port}/`, 'cache-refused'), packageDir: fresh, timeoutMs: 60_000 })
    expect(binary.available).toBe(false)
    const reason = binary.available ? '' : binary.reason
    expect(reason).toMatch(/^the Electron \S+ binary is not installed and the download failed \(.+\)$/)
    expect(reason).not.toContain('\n')
    expect(reason).not.toMatch(/\bat .*\.js:\d+/)
  })

  it('is not tried when asked only to look', async () => {
    let asked = false
    const binary = await getElectronBinary({ env: offline('http://127.0.0.1:1/', 'cache-look'), packageDir: fresh, download: false, onDownloadStart: () => (asked = true) })
    expect(asked).toBe(false)
    expect(binary).toEqual({ available: false, reason: `the Electron ${electronVersion()} binary has not been downloaded` })
  })
})

describe('missingDisplay', () => {
  it('needs DISPLAY or WAYLAND_DISPLAY on Linux only', () => {
    expect(missingDisplay({}, 'linux')).toMatch(/no display/)
    expect(missingDisplay({ DISPLAY: ':0' }, 'linux')).toBeUndefined()
    expect(missingDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeUndefined()
    expect(missingDisplay({}, 'darwin')).toBeUndefined()
    expect(missingDisplay({}, 'win32')).toBeUndefined()
  })
})
