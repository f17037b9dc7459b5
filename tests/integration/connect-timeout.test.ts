import { type Server, type Socket, createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../electron/main/db/connect.ts'
import { DatabaseUnavailableError } from '../../electron/main/errors.ts'
import { SCHEMATA_BIN, runNode, type ProcessOutcome } from '../fixtures/cli-process.ts'

/*
 * Issue 10, item 6 (first bullet): DATABASE_URL at a port that accepts TCP but
 * never answers. Every command must fail with a clear error within the
 * connect timeout (default 10 s, SCHEMATA_CONNECT_TIMEOUT) and exit 1 — not
 * hang. The "server" is a real listener that accepts connections and never
 * writes a byte, as a wedged process or a wrong port behind a proxy does.
 * Times are measured from the first connection the silent server accepted
 * to the command's exit, so the CLI's own start-up does not count.
 */

interface SilentServer {
  url: string
  /** When each connection arrived (performance.now()). */
  arrivals: number[]
  /** How long each closed connection was held open by its client, in seconds. */
  lifetimes: number[]
  /** Connections still open. */
  open: Set<Socket>
  close(): Promise<void>
}

async function silentServer(): Promise<SilentServer> {
  const arrivals: number[] = []
  const lifetimes: number[] = []
  const open = new Set<Socket>()
  const server: Server = createServer((socket) => {
    const arrived = performance.now()
    arrivals.push(arrived)
    open.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      open.delete(socket)
      lifetimes.push((performance.now() - arrived) / 1000)
    })
    // Reads the start-up packet and says nothing, ever.
    socket.resume()
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  return {
    url: `postgres://schemata:secret@127.0.0.1:${port}/app`,
    arrivals,
    lifetimes,
    open,
    close: () =>
      new Promise((done) => {
        for (const socket of open) socket.destroy()
        server.close(() => done())
      }),
  }
}

let silent: SilentServer

beforeAll(async () => {
  silent = await silentServer()
})
afterAll(() => silent?.close())

/**
 * Runs the real binary against the silent server. Returns its outcome and the
 * longest time it held a connection to the silent server open: that is what
 * the connect timeout bounds (the CLI's start-up and exit on a loaded machine
 * are not the timeout's business). A hang is a kill after 90 s.
 */
async function against(args: string[], env: Record<string, string> = {}): Promise<{ outcome: ProcessOutcome; held: number }> {
  const before = silent.arrivals.length
  const closedBefore = silent.lifetimes.length
  const outcome = await runNode([SCHEMATA_BIN, ...args], { DATABASE_URL: silent.url, SCHEMATA_DEMO: 'off', ...env }, 90_000)
  expect(silent.arrivals.length, `${args.join(' ')} never connected: ${outcome.stderr}`).toBeGreaterThan(before)
  // The process has exited, so its sockets are closed; let the server see the last close.
  await new Promise((done) => setTimeout(done, 100))
  return { outcome, held: Math.max(...silent.lifetimes.slice(closedBefore)) }
}

describe('a DATABASE_URL that accepts TCP and never answers', () => {
  it('every command fails with exit 1 and a message naming the address and the timeout, within SCHEMATA_CONNECT_TIMEOUT', async () => {
    const commands = [
      ['tenant', 'list'],
      ['tenant', 'list', '--json'],
      ['serve', '--port', '0'],
      ['migrate'],
      ['demo'],
      ['doctor'],
      ['tenant', 'create', '--name', 'Acme', '--schema', 'acme'],
      ['sql', '--schema', 'acme', 'SELECT 1'],
    ]
    const address = new URL(silent.url).host
    // Two at a time: each is a whole CLI start-up on a two-core machine.
    for (let i = 0; i < commands.length; i += 2) {
      const results = await Promise.all(commands.slice(i, i + 2).map((args) => against(args, { SCHEMATA_CONNECT_TIMEOUT: '1.5' })))
      results.forEach(({ outcome, held }, j) => {
        const name = (commands[i + j] as string[]).join(' ')
        expect(outcome.signal, name).toBeNull()
        expect(outcome.code, `${name}: ${outcome.stderr}`).toBe(1)
        expect(outcome.stderr, name).toContain(`PostgreSQL at ${address} did not answer within 1.5 s`)
        expect(outcome.stderr, name).toContain('SCHEMATA_CONNECT_TIMEOUT')
        // It waited for an answer for the whole timeout, and gave up then.
        expect(held, name).toBeGreaterThanOrEqual(1.2)
        expect(held, name).toBeLessThan(1.5 + 2)
      })
    }
    // Nothing was left connected: every process gave its sockets up when it exited.
    expect(silent.open.size).toBe(0)
  }, 300_000)

  it('db status says the server does not answer (a status report, exit 0) within the timeout', async () => {
    const { outcome, held } = await against(['db', 'status', '--json'], { SCHEMATA_CONNECT_TIMEOUT: '1' })
    expect(outcome.code, outcome.stderr).toBe(0)
    const status = JSON.parse(outcome.stdout) as { mode: string; running: boolean; error?: string }
    expect(status).toMatchObject({ mode: 'external', running: false })
    expect(status.error).toContain('did not answer within 1 s')
    expect(held).toBeLessThan(1 + 2)
  })

  it('without SCHEMATA_CONNECT_TIMEOUT the limit is 10 s', async () => {
    const { outcome, held } = await against(['tenant', 'list'])
    expect(outcome.code, outcome.stderr).toBe(1)
    expect(outcome.stderr).toContain('did not answer within 10 s')
    expect(held).toBeGreaterThanOrEqual(9.7)
    expect(held).toBeLessThan(10 + 2)
  })

  it('refuses a SCHEMATA_CONNECT_TIMEOUT that is not a positive number of seconds (exit 2, nothing attempted)', async () => {
    const values = ['0', '-1', 'ten', '1e9', '5000']
    const before = silent.arrivals.length
    const outcomes = await Promise.all(values.map((value) => runNode([SCHEMATA_BIN, 'tenant', 'list'], { DATABASE_URL: silent.url, SCHEMATA_CONNECT_TIMEOUT: value })))
    outcomes.forEach((outcome, i) => {
      expect(outcome.code, values[i]).toBe(2)
      expect(outcome.stderr, values[i]).toMatch(/^SCHEMATA_CONNECT_TIMEOUT: must be a number of seconds above 0/)
    })
    expect(silent.arrivals.length).toBe(before)
  }, 120_000)

  it('connect() itself: DatabaseUnavailableError within the timeout, the pool closed (no socket left)', async () => {
    const started = performance.now()
    const attempt = connect({ mode: 'external', url: silent.url, connectTimeoutMs: 400 })
    await expect(attempt).rejects.toBeInstanceOf(DatabaseUnavailableError)
    await expect(attempt).rejects.toThrow(/did not answer within 0\.4 s/)
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(390)
    expect(elapsed).toBeLessThan(400 + 1500)
    // node-postgres gives the abandoned attempt up at its own connect timeout (the same 400 ms).
    const deadline = performance.now() + 3000
    while (silent.open.size > 0 && performance.now() < deadline) await new Promise((done) => setTimeout(done, 50))
    expect(silent.open.size).toBe(0)
  })
})
