import { mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embeddedStatus, stopEmbedded } from '../../electron/main/db/embedded-server.ts'
import { SCHEMATA_BIN, runNode } from '../fixtures/cli-process.ts'
import { send } from '../fixtures/http-send.ts'
import { type ServeProcess, startServe } from '../fixtures/serve-process.ts'

/*
 * Issue 10, item 7 (and issue 11's `db stop`), with real processes: two
 * `schemata serve` on one data directory share its embedded PostgreSQL. The
 * server stops only when its last user leaves — not when the one that happened
 * to start it exits, and nothing outlives them all; `db stop` refuses while one
 * is using it and names its pid, unless --force.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

let dataDir: string
const env = (): Record<string, string> => ({ DATABASE_URL: '', SCHEMATA_DATA_DIR: dataDir, SCHEMATA_DEMO: 'off' })

async function stopServe(serve: ServeProcess): Promise<void> {
  if (serve.child.exitCode !== null) return
  serve.child.kill('SIGTERM')
  expect(await serve.exited).toBe(0)
}

const running = async (): Promise<{ running: boolean; pid?: number }> => {
  const status = await embeddedStatus(dataDir)
  return status.pid === undefined ? { running: status.running } : { running: status.running, pid: status.pid }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(repoRoot, '.test-data', 'users-'))
})
afterAll(async () => {
  await stopEmbedded(dataDir).catch(() => false)
  await rm(dataDir, { recursive: true, force: true })
})

describe('one embedded server, several users', () => {
  it('stays up while any serve uses it, stops when the last one leaves, and db stop names who uses it', async () => {
    const first = await startServe(env())
    const second = await startServe(env())
    try {
      const { pid: postmaster } = await running()
      expect(postmaster).toBeGreaterThan(0)

      // db stop refuses while they use it, naming both, and changes nothing.
      const refused = await runNode([SCHEMATA_BIN, 'db', 'stop'], env())
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`pid ${first.child.pid} (schemata serve)`)
      expect(refused.stderr).toContain(`pid ${second.child.pid} (schemata serve)`)
      expect(refused.stderr).toContain('--force')
      expect(await running()).toEqual({ running: true, pid: postmaster })

      // A CLI command joins and leaves; the server stays for the serves.
      const list = await runNode([SCHEMATA_BIN, 'tenant', 'list', '--json'], env())
      expect(list.code, list.stderr).toBe(0)
      expect(await running()).toEqual({ running: true, pid: postmaster })

      // The serve that started PostgreSQL leaves first: the other one keeps it, same postmaster.
      await stopServe(first)
      expect(await running()).toEqual({ running: true, pid: postmaster })
      const api = await send(second.port, { path: '/api/tenant', host: `localhost:${second.port}`, headers: { 'x-tenant': 'nobody' } })
      expect(api.status).toBe(404)
      expect(second.stderr.join('')).not.toContain('PostgreSQL stopped unexpectedly')

      // The last user leaves: nothing outlives them.
      await stopServe(second)
      expect((await running()).running).toBe(false)
    } finally {
      first.child.kill('SIGKILL')
      second.child.kill('SIGKILL')
    }
  })

  it('db stop --force stops it under a serve, which starts it again; still nothing outlives the serve', async () => {
    const serve = await startServe(env())
    try {
      const before = (await running()).pid
      const forced = await runNode([SCHEMATA_BIN, 'db', 'stop', '--force'], env())
      expect(forced.code, forced.stderr).toBe(0)
      expect(forced.stderr).toContain(`pid ${serve.child.pid} (schemata serve)`)
      expect(forced.stderr).toContain('will start it again')
      // The serve's supervisor brings it back.
      let after = await running()
      for (let i = 0; i < 200 && !(after.running && after.pid !== before); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        after = await running()
      }
      expect(after.running).toBe(true)
      expect(after.pid).not.toBe(before)
      await stopServe(serve)
      expect((await running()).running).toBe(false)
    } finally {
      serve.child.kill('SIGKILL')
    }
  })

  it('db start keeps it up for commands that come and go, until db stop', async () => {
    expect((await runNode([SCHEMATA_BIN, 'db', 'start'], env())).code).toBe(0)
    const pid = (await running()).pid
    expect((await runNode([SCHEMATA_BIN, 'tenant', 'list'], env())).code).toBe(0)
    expect(await running()).toEqual({ running: true, pid })
    const stop = await runNode([SCHEMATA_BIN, 'db', 'stop'], env())
    expect(stop.code, stop.stderr).toBe(0)
    expect((await running()).running).toBe(false)
  })
})
