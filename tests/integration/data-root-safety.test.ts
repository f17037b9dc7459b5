import { execFile } from 'node:child_process'
import { chmod, chown, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded, stopEmbedded } from '../../electron/main/db/embedded-server.ts'

/*
 * Issue 10, item 5, with real files and the real start-up: running as root,
 * Schemata hands postgres.log to the postgres OS user. A data root that
 * postgres (or anyone else) can write must be refused, a planted symlink must
 * never be followed, and directories Schemata did not create keep their modes.
 * These only mean something as root (the CI and this machine run tests as root).
 */
const asRoot = process.getuid?.() === 0
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const idOf = async (flag: '-u' | '-g'): Promise<number> => Number((await promisify(execFile)('id', [flag, 'postgres'])).stdout.trim())

describe.skipIf(!asRoot)('the data root, when Schemata runs as root', () => {
  let scratch: string
  let postgres: { uid: number; gid: number }

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(repoRoot, '.test-data', 'data-root-'))
    await chmod(scratch, 0o755)
    postgres = { uid: await idOf('-u'), gid: await idOf('-g') }
  })
  afterAll(() => rm(scratch, { recursive: true, force: true }))

  it('never follows a symlink planted as postgres.log: the file it points to keeps its owner', async () => {
    const root = path.join(scratch, 'symlinked')
    await mkdir(root, { mode: 0o711 })
    const victim = path.join(scratch, 'victim-secret')
    await writeFile(victim, 'root only\n', { mode: 0o600 })
    await symlink(victim, path.join(root, 'postgres.log'))
    await expect(startEmbedded({ dataDir: root })).rejects.toThrow(/postgres\.log is a symbolic link/)
    const after = await stat(victim)
    expect({ uid: after.uid, mode: after.mode & 0o777 }).toEqual({ uid: 0, mode: 0o600 })
  })

  it('refuses a data root the postgres user owns, saying how to fix it', async () => {
    const root = path.join(scratch, 'owned-by-postgres')
    await mkdir(root, { mode: 0o700 })
    await chown(root, postgres.uid, postgres.gid)
    await expect(startEmbedded({ dataDir: root })).rejects.toThrow(new RegExp(`belongs to uid ${postgres.uid}.*Fix: \`chown 0`))
  })

  it('refuses a data root others can write, saying how to fix it', async () => {
    const root = path.join(scratch, 'world-writable')
    await mkdir(root)
    await chmod(root, 0o777)
    await expect(startEmbedded({ dataDir: root })).rejects.toThrow(/writable by its group \(mode 0777\).*chmod go-w/)
  })

  it('explains a directory above the data root that postgres cannot pass, and leaves its mode alone', async () => {
    const closed = path.join(scratch, 'private-home')
    await mkdir(closed, { mode: 0o700 })
    await chmod(closed, 0o700)
    const root = path.join(closed, 'schemata')
    await expect(startEmbedded({ dataDir: root })).rejects.toThrow(new RegExp(`${closed} \\(mode 0700\\).*chmod o\\+x`))
    expect((await stat(closed)).mode & 0o777).toBe(0o700)
  })

  it('a safe data root still starts, and the log belongs to postgres', async () => {
    const root = path.join(scratch, 'safe')
    try {
      await startEmbedded({ dataDir: root })
      const log = await stat(path.join(root, 'postgres.log'))
      expect({ uid: log.uid, gid: log.gid }).toEqual(postgres)
      expect((await stat(root)).mode & 0o777).toBe(0o711)
    } finally {
      await stopEmbedded(root).catch(() => false)
    }
  })
})
