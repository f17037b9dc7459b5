import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, inject, vi } from 'vitest'
import WebSocket from 'ws'
import { seedDemo } from '../../electron/main/demo/demo-data.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { type Reply, send } from '../fixtures/http-send.ts'
import { SCHEMATA_BIN } from '../fixtures/cli-process.ts'
import { type ServeProcess, startServe } from '../fixtures/serve-process.ts'

/*
 * `schemata serve` as a user runs it (the real binary, the real contract
 * dispatcher, an external database through DATABASE_URL): the first line is
 * the console URL, RPC calls run in per-tab sessions, events arrive over the
 * WebSocket, the tenant API answers, and SIGTERM stops it cleanly.
 */


type Running = ServeProcess

let t: TestDatabase
let serve: Running

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  await t.tenancy.migrate()
  await seedDemo(t.tenancy)
  serve = await startServe({ DATABASE_URL: t.url })
}, 120_000)

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGKILL')
    await serve.exited
  }
  await t?.drop()
})

function rpc(name: string, input: unknown, windowId: string): Promise<Reply> {
  return send(serve.port, {
    method: 'POST',
    path: `/rpc/${name}`,
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json', 'x-schemata-window': windowId },
    body: JSON.stringify(input),
  })
}

describe('schemata serve', () => {
  it('prints the console URL first, then the tenant API line', async () => {
    expect(serve.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    await vi.waitFor(() => expect(serve.stdout.length).toBeGreaterThan(1))
    expect(serve.stdout[1]).toMatch(new RegExp(`^Tenant API: http://<schema>\\.localhost:${serve.port}/api/`))
  })

  it('serves the contract over RPC with the real dispatcher, one active tenant per tab', async () => {
    const list = await rpc('tenants/list', {}, 'tab-1')
    expect(list.status).toBe(200)
    expect((list.json as { result: { schema: string }[] }).result.map((x) => x.schema)).toEqual(['acme', 'globex', 'initech'])

    expect((await rpc('data/customers/list', { tenant: 'acme' }, 'tab-1')).json).toMatchObject({ ok: false, error: { code: 'NO_ACTIVE_TENANT' } })
    expect((await rpc('data/customers/list', { tenant: 'acme' }, 'tab-1')).status).toBe(409)

    expect((await rpc('tenants/switch', { schema: 'acme' }, 'tab-1')).status).toBe(200)
    expect((await rpc('tenants/switch', { schema: 'globex' }, 'tab-2')).status).toBe(200)
    const names = async (tab: string, tenant: string): Promise<string[]> =>
      ((await rpc('data/customers/list', { tenant }, tab)).json as { result: { name: string }[] }).result.map((c) => c.name).sort()
    expect(await names('tab-1', 'acme')).toEqual(['Marvin Martian', 'Road Runner Logistics', 'Wile E. Coyote'])
    expect(await names('tab-2', 'globex')).toEqual(['Hank Scorpio', 'Homer Simpson'])

    // A write sent for acme that reaches the server after tab-1 switched to initech is refused, and lands nowhere.
    expect((await rpc('tenants/switch', { schema: 'initech' }, 'tab-1')).status).toBe(200)
    const late = await rpc('data/customers/create', { tenant: 'acme', name: 'Late Write', email: 'late@example.com' }, 'tab-1')
    expect(late.status).toBe(409)
    expect(late.json).toMatchObject({ ok: false, error: { code: 'CONFLICT', field: 'tenant', message: expect.stringContaining('"initech"') as string } })
    expect(await names('tab-1', 'initech')).not.toContain('Late Write')
    expect((await rpc('data/customers/list', { tenant: 'acme' }, 'tab-1')).json).toMatchObject({ ok: false, error: { code: 'CONFLICT' } })
    expect((await rpc('tenants/switch', { schema: 'acme' }, 'tab-1')).status).toBe(200)
    expect(await names('tab-1', 'acme')).not.toContain('Late Write')

    const invalid = await rpc('tenants/switch', { schema: 'acme', extra: true }, 'tab-1')
    expect(invalid.status).toBe(400)
    expect(invalid.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const missing = await rpc('tenants/switch', { schema: 'nope' }, 'tab-1')
    expect(missing.status).toBe(404)
  })

  it('pushes events over the WebSocket: a created tenant is broadcast to every tab', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/events?window=tab-3`, {
      origin: `http://localhost:${serve.port}`,
      headers: { cookie: `schemata_console_${serve.port}=${serve.token}` },
    })
    const frames: unknown[] = []
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8'))))
    await new Promise((done, fail) => {
      ws.once('open', done)
      ws.once('error', fail)
    })
    try {
      const created = await rpc('tenants/create', { name: 'Umbrella', schema: 'umbrella' }, 'tab-1')
      expect(created.status).toBe(200)
      await vi.waitFor(() => expect(frames).toContainEqual({ event: 'tenants/changed', payload: { reason: 'created' } }))
      // The new tenant is routable at once.
      const api = await send(serve.port, { path: '/api/tenant', host: `umbrella.localhost:${serve.port}` })
      expect(api.json).toEqual({ name: 'Umbrella', schema: 'umbrella' })
    } finally {
      ws.close()
    }
  })

  it('answers the tenant API for the demo tenants, with the demo credentials', async () => {
    const acme = await send(serve.port, { path: '/api/tenant', host: `acme.localhost:${serve.port}` })
    expect(acme.json).toEqual({ name: 'Acme Corporation', schema: 'acme' })
    const login = await send(serve.port, {
      method: 'POST',
      path: '/api/login',
      host: `globex.localhost:${serve.port}`,
      body: JSON.stringify({ email: 'admin@globex.example', password: 'globex-demo' }),
    })
    expect(login.status).toBe(200)
    const token = (login.json as { token: string }).token
    const orders = await send(serve.port, { path: '/api/orders', headers: { 'x-tenant': 'globex', authorization: `Bearer ${token}` } })
    expect((orders.json as { orders: { customerName: string }[] }).orders.map((o) => o.customerName)).toEqual(['Hank Scorpio', 'Homer Simpson', 'Homer Simpson'])
  })

  it('stops cleanly on SIGTERM with exit code 0', async () => {
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
    expect(serve.stderr.join('')).toContain('stopped')
  })

  it('rejects a bad --port with exit code 2, and a taken port with exit code 1', async () => {
    const bad = spawn(process.execPath, [SCHEMATA_BIN, 'serve', '--port', 'http'], { env: { ...process.env, DATABASE_URL: t.url }, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    bad.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
    expect(await new Promise((done) => bad.once('exit', done))).toBe(2)
    expect(err).toMatch(/^port: --port must be a whole number/m)

    const blocker = createServer()
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done))
    try {
      const taken = (blocker.address() as { port: number }).port
      const busy = spawn(process.execPath, [SCHEMATA_BIN, 'serve', '--port', String(taken)], { env: { ...process.env, DATABASE_URL: t.url }, stdio: ['ignore', 'pipe', 'pipe'] })
      let busyErr = ''
      busy.stderr.setEncoding('utf8').on('data', (c: string) => (busyErr += c))
      expect(await new Promise((done) => busy.once('exit', done))).toBe(1)
      expect(busyErr).toContain(`port ${taken} is already in use`)
      // Reported before the database is opened: no start-up step ran.
      expect(busyErr).not.toMatch(/applying pending migrations|starting PostgreSQL|^ready$/m)
    } finally {
      await new Promise((done) => blocker.close(done))
    }
  })
})

/** A port free right now (the kernel's pick), for a serve that must come back on the same one. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
  const { port } = probe.address() as { port: number }
  await new Promise((done) => probe.close(done))
  return port
}

async function stopServe(running: Running): Promise<void> {
  running.child.kill('SIGTERM')
  expect(await running.exited).toBe(0)
}

describe('the console link across serve restarts (issue 11)', () => {
  it('stays the same (kept 0600 in the data dir) so an open tab’s cookie still works; --new-token makes a new one and the old link gets the sign-in page', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'schemata-serve-secrets-'))
    const port = await freePort()
    const env = { DATABASE_URL: t.url, SCHEMATA_DATA_DIR: dataDir }
    const args = ['--port', String(port)]
    const tabCall = (cookie: string): Promise<Reply> =>
      send(port, {
        method: 'POST',
        path: '/rpc/tenants/list',
        headers: { cookie, origin: `http://localhost:${port}`, 'content-type': 'application/json', 'x-schemata-window': 'tab-r' },
        body: '{}',
      })
    try {
      const first = await startServe(env, args)
      const opened = await send(port, { path: `/?token=${first.token}` })
      expect(opened.status).toBe(303)
      const cookie = (opened.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? ''
      expect(cookie).toBe(`schemata_console_${port}=${first.token}`)
      expect((await tabCall(cookie)).status).toBe(200)
      const file = await stat(path.join(dataDir, 'server-secrets.json'))
      expect(file.mode & 0o777).toBe(0o600)
      await stopServe(first)

      const again = await startServe(env, args)
      expect(again.token).toBe(first.token)
      // The tab kept its cookie; it gets back in without a new link.
      expect((await tabCall(cookie)).status).toBe(200)
      await stopServe(again)

      const renewed = await startServe(env, [...args, '--new-token'])
      try {
        expect(renewed.token).not.toBe(first.token)
        expect((await tabCall(cookie)).status).toBe(401)
        const oldLink = await send(port, { path: `/?token=${first.token}`, headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } })
        expect(oldLink.status).toBe(401)
        expect(oldLink.text).toContain('not valid')
        expect((await send(port, { path: `/?token=${renewed.token}` })).status).toBe(303)
      } finally {
        await stopServe(renewed)
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 180_000)
})
