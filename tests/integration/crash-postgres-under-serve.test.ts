import { request } from 'node:http'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded } from '../../electron/main/db/embedded-server.ts'
import { killProcesses, postgresProcesses } from '../fixtures/kill-postgres.ts'
import { type ConsoleServer, startConsoleServer } from '../e2e/fixtures/console-server.ts'
import { withPgClient } from '../fixtures/pg-client.ts'

interface Answer {
  status: number
  body: Record<string, unknown>
}

/** One tenant API request to the server, with the Host a browser at that tenant would send. */
function api(server: ConsoleServer, method: string, path: string, host: string, body?: unknown, token?: string): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: {
          host: `${host}:${server.port}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** Polls `predicate` every `everyMs` (0: as fast as the predicate's own query allows). */
async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await predicate()) return
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** What the writers know about one write: sent and not answered yet, acknowledged (201), or refused/failed. */
type WriteState = 'in-flight' | 'acked' | 'failed'

const LANES = 4

describe('SIGKILL of the embedded PostgreSQL under a running `schemata serve`', () => {
  let server: ConsoleServer

  beforeAll(async () => {
    server = await startConsoleServer({ name: 'pgkill' })
  })
  afterAll(() => server?.stop())

  it('mid-stream: reported, restarted, every acknowledged write there and none half-written', async () => {
    const login = await api(server, 'POST', '/api/login', 'acme.localhost', { email: 'admin@acme.example', password: 'acme-demo' })
    expect(login.status).toBe(200)
    const token = String(login.body.token)
    const pgDir = join(server.dataDir, 'pg')

    // The server under test must make commits durable itself: with fsync or synchronous_commit off an
    // acknowledged write could live only in memory, and this test would prove nothing about the disk.
    const admin = await startEmbedded({ dataDir: server.dataDir })
    const settings = await withPgClient(admin.url, async (client) =>
      Object.fromEntries(
        (await client.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes')")).rows.map(
          (row) => [row.name, row.setting],
        ),
      ),
    )
    expect(settings).toEqual({ fsync: 'on', full_page_writes: 'on', synchronous_commit: 'on' })

    // Writers that never pause: each lane sends its next customer as soon as the last one is answered.
    const writes = new Map<string, WriteState>()
    let stop = false
    let restartedAt: number | undefined
    const ackedAfterRestart = Array.from({ length: LANES }, () => 0)
    const lane = async (n: number): Promise<void> => {
      for (let seq = 0; !stop; seq++) {
        const name = `w${n}-${seq}`
        writes.set(name, 'in-flight')
        const answer = await api(server, 'POST', '/api/customers', 'acme.localhost', { name, email: `${name}@crash.example` }, token).catch(() => undefined)
        writes.set(name, answer?.status === 201 ? 'acked' : 'failed')
        if (answer?.status === 201 && restartedAt !== undefined) ackedAfterRestart[n] = (ackedAfterRestart[n] ?? 0) + 1
        // While the database is down every request fails at once; don't spin.
        if (answer?.status !== 201) await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    const count = (state: WriteState): number => [...writes.values()].filter((s) => s === state).length
    const lanes = Array.from({ length: LANES }, (_, n) => lane(n))

    try {
      await waitFor('40 acknowledged writes', () => count('acked') >= 40, 60_000, 5)
      // Kill while PostgreSQL is executing one of them: the postmaster and every backend, all at once.
      const victims = await postgresProcesses(pgDir)
      const watch = new pg.Client({ connectionString: admin.url })
      watch.on('error', () => undefined)
      await watch.connect()
      let busy: string | undefined
      await waitFor('a write in progress in PostgreSQL', async () => {
        const { rows } = await watch.query<{ query: string }>(
          "SELECT query FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()",
        )
        busy = rows[0]?.query
        return busy !== undefined
      }, 30_000, 0)
      const inFlightAtKill = count('in-flight')
      const ackedBeforeKill = count('acked')
      await killProcesses(victims)
      expect(inFlightAtKill, 'requests in flight when PostgreSQL died').toBeGreaterThan(0)

      await waitFor('serve to report the crash', () => /PostgreSQL stopped unexpectedly/.test(server.log()))
      await waitFor('serve to restart PostgreSQL', () => /PostgreSQL restarted on port \d+/.test(server.log()))
      restartedAt = Date.now()
      // The writers carry on by themselves once the pool has replaced its dead connections.
      await waitFor('every writer to be acknowledged again', () => ackedAfterRestart.every((n) => n >= 3))
      stop = true
      await Promise.all(lanes)
      console.log(
        `[crash: postgres under serve] killed ${victims.length} PostgreSQL processes while running "${String(busy).slice(0, 60)}"; ` +
          `${ackedBeforeKill} writes acknowledged before, ${inFlightAtKill} in flight at the kill; ${count('acked')} acknowledged, ${count('failed')} failed in all`,
      )
    } finally {
      stop = true
      await Promise.allSettled(lanes)
    }

    const restarted = await startEmbedded({ dataDir: server.dataDir })
    const { stored, seqCount, indexCount } = await withPgClient(restarted.url, async (client) => {
      const { rows } = await client.query<{ name: string; email: string }>("SELECT name, email FROM acme.customers WHERE name ~ '^w[0-9]+-[0-9]+$'")
      // The same rows by a heap scan and by the primary-key index: a torn page or a lost index entry disagrees.
      await client.query('BEGIN')
      await client.query('SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexonlyscan = off')
      const seq = await client.query<{ n: string }>('SELECT count(*) AS n FROM acme.customers WHERE id > 0')
      await client.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_indexonlyscan = on; SET LOCAL enable_indexscan = on')
      const index = await client.query<{ n: string }>('SELECT count(*) AS n FROM acme.customers WHERE id > 0')
      await client.query('COMMIT')
      return { stored: rows, seqCount: Number(seq.rows[0]?.n), indexCount: Number(index.rows[0]?.n) }
    })
    expect(indexCount).toBe(seqCount)

    const present = new Map<string, number>()
    for (const row of stored) {
      // Whole rows only: each one is a write the writers sent, with its own email.
      expect(writes.has(row.name), `unknown row ${row.name}`).toBe(true)
      expect(row.email).toBe(`${row.name}@crash.example`)
      present.set(row.name, (present.get(row.name) ?? 0) + 1)
    }
    const acked = [...writes].filter(([, state]) => state === 'acked').map(([name]) => name)
    const lost = acked.filter((name) => present.get(name) !== 1)
    expect(lost, 'acknowledged writes missing (or stored twice) after the crash').toEqual([])
    // Beyond those, only writes whose answer never came (cut off by the crash) may be there.
    for (const name of present.keys()) expect(['acked', 'failed']).toContain(writes.get(name))

    // And it keeps working: a write after the restart commits too; the other tenants are untouched.
    const later = await api(server, 'POST', '/api/customers', 'acme.localhost', { name: 'After the restart', email: 'after@crash.example' }, token)
    expect(later.status).toBe(201)
    const globex = await api(server, 'GET', '/api/tenant', 'globex.localhost')
    expect(globex.body).toMatchObject({ schema: 'globex' })
  })
})

