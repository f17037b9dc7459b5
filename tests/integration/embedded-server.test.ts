import { readFile, rm, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_LOGIN } from '../../electron/main/db/admin-login.ts'
import {
  embeddedStatus,
  embeddedSuperuserUrl,
  startEmbedded,
  stopEmbedded,
  type EmbeddedConnection,
} from '../../electron/main/db/embedded-server.ts'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
// Under the repo, not os.tmpdir(): as root the cluster is owned by postgres, and a shared tmp dir leaks those.
const dataDir = path.join(repoRoot, '.test-data', `embedded-server-${process.pid}`)
const pgDir = path.join(dataDir, 'pg')

async function query<T extends Record<string, unknown>>(conn: EmbeddedConnection, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: conn.url })
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

async function postmasterPid(): Promise<number> {
  const text = await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')
  return Number(text.split('\n')[0])
}

/** Gone or a zombie: either way it no longer serves anything. */
async function waitForDeath(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (cmdline === '') return
    await sleep(25)
  }
  throw new Error(`process ${pid} did not die`)
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

describe('embedded PostgreSQL lifecycle', () => {
  let first: EmbeddedConnection

  afterAll(async () => {
    await stopEmbedded(dataDir).catch(() => false)
    await rm(dataDir, { recursive: true, force: true })
  })

  it('initialises a fresh cluster, starts it and answers queries', async () => {
    const steps: string[] = []
    first = await startEmbedded({ dataDir, onProgress: (step) => steps.push(step) })

    expect(steps).toEqual(['initialising database cluster (first run)…', 'starting PostgreSQL…'])
    // The app's login, not the superuser (issue 10, item 2; tests/integration/embedded-admin-login.test.ts).
    expect(first).toMatchObject({ host: '127.0.0.1', user: ADMIN_LOGIN, database: 'schemata', dataDir, startedHere: true })
    expect(first.serverVersion).toMatch(/^18/)
    expect(await query(first, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    expect(await query(first, 'SELECT current_database() AS db')).toEqual([{ db: 'schemata' }])
  })

  it('keeps a random superuser password in credentials.json, readable by its owner only', async () => {
    const file = path.join(dataDir, 'credentials.json')
    const credentials = JSON.parse(await readFile(file, 'utf8')) as { user: string; password: string }
    expect(credentials.user).toBe('postgres')
    expect(credentials.password).not.toBe('password')
    expect(credentials.password.length).toBeGreaterThanOrEqual(24)
    expect(credentials.password).toBe(decodeURIComponent(new URL(await embeddedSuperuserUrl(dataDir)).password))
    expect(credentials.password).not.toBe(first.password)
    const info = await stat(file)
    expect(info.mode & 0o777).toBe(0o600)
    expect(info.uid).toBe(process.getuid?.())
  })

  it('joins a running server instead of starting a second one', async () => {
    const steps: string[] = []
    const again = await startEmbedded({ dataDir, onProgress: (step) => steps.push(step) })
    expect(again.startedHere).toBe(false)
    expect(again.port).toBe(first.port)
    expect(again.pid).toBe(first.pid)
    expect(steps).toEqual([])
    expect(await embeddedStatus(dataDir)).toEqual({
      running: true,
      dataDir,
      initialised: true,
      port: first.port,
      pid: first.pid,
    })
  })

  it('stops, and stopping again is a no-op', async () => {
    expect(await stopEmbedded(dataDir)).toBe(true)
    expect(await embeddedStatus(dataDir)).toEqual({ running: false, dataDir, initialised: true })
    expect(await stopEmbedded(dataDir)).toBe(false)
  })

  it('starts again on the existing cluster without re-initialising', async () => {
    const steps: string[] = []
    const conn = await startEmbedded({ dataDir, onProgress: (step) => steps.push(step) })
    expect(steps).toEqual(['starting PostgreSQL…'])
    expect(conn.startedHere).toBe(true)
    expect(conn.port).toBe(first.port)
    expect(await query(conn, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('recovers after the postmaster is killed, keeping committed data', async () => {
    const conn = await startEmbedded({ dataDir })
    await query(conn, 'CREATE TABLE survivors (id int PRIMARY KEY, name text NOT NULL)')
    await query(conn, "INSERT INTO survivors VALUES (1, 'kept')")

    const pid = await postmasterPid()
    process.kill(pid, 'SIGKILL')
    await waitForDeath(pid)
    // The crash leaves its lock file behind; that is what start must cope with.
    await expect(stat(path.join(pgDir, 'postmaster.pid'))).resolves.toBeDefined()
    expect((await embeddedStatus(dataDir)).running).toBe(false)

    const recovered = await startEmbedded({ dataDir })
    expect(recovered.startedHere).toBe(true)
    expect(recovered.pid).not.toBe(pid)
    expect(await query(recovered, 'SELECT id, name FROM survivors')).toEqual([{ id: 1, name: 'kept' }])
  })

  it('moves to another port when the previous one is taken', async () => {
    const before = await startEmbedded({ dataDir })
    expect(await stopEmbedded(dataDir)).toBe(true)
    const blocker = await listen(before.port)
    try {
      const conn = await startEmbedded({ dataDir })
      expect(conn.startedHere).toBe(true)
      expect(conn.port).not.toBe(before.port)
      expect(await query(conn, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})
