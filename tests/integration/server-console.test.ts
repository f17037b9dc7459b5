import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject, vi } from 'vitest'
import WebSocket from 'ws'
import type { ErrorCode } from '../../contract/types.ts'
import type { CallContext, CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { RequestLog, type SchemataServer, createSchemataServer } from '../../electron/main/server/index.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { type Reply, send } from '../fixtures/http-send.ts'

/*
 * Browser mode over real HTTP: the console token (query → cookie, bearer),
 * Host and Origin checks, static files, the RPC transport with per-window
 * sessions (against a small fake Dispatch), and WebSocket events.
 */

const TOKEN = 'console-token-for-tests-0123456789'

interface Recorded {
  name: unknown
  input: unknown
  windowId: string
}

const calls: Recorded[] = []

/** A stand-in for the contract dispatcher: just enough behaviour to observe the transport. */
const fakeDispatch: Dispatch = (name, input, context: CallContext) => {
  calls.push({ name, input, windowId: context.session.id })
  const args = (input ?? {}) as Record<string, unknown>
  let outcome: CallOutcome
  switch (name) {
    case 'tenants/switch':
      context.session.activeTenant = String(args.schema)
      outcome = { ok: true, result: { tenant: { schema: context.session.activeTenant } } }
      break
    case 'tenants/active':
      outcome = { ok: true, result: { tenant: context.session.activeTenant === null ? null : { schema: context.session.activeTenant } } }
      break
    case 'migrations/run':
      context.emit('migrations/progress', { type: 'run-start', shared: false, tenants: 2 })
      context.broadcast('tenants/changed', { reason: 'migrated' })
      outcome = { ok: true, result: { tenants: [] } }
      break
    case 'tenants/drop':
      // The test picks the error code through the input, to check the status of each.
      outcome = { ok: false, error: { code: args.confirm as ErrorCode, message: 'as requested', field: 'confirm' } }
      break
    default:
      outcome = { ok: true, result: { echo: input } }
  }
  return Promise.resolve(outcome)
}

let t: TestDatabase
let server: SchemataServer
let port: number
let rendererDir: string
let outside: string

function rpc(name: string, input: unknown, options: { window?: string; headers?: Record<string, string>; host?: string; raw?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...options.headers }
  if (options.window !== undefined) headers['x-schemata-window'] = options.window
  return send(port, {
    method: 'POST',
    path: `/rpc/${name}`,
    headers,
    body: options.raw ?? JSON.stringify(input),
    ...(options.host ? { host: options.host } : {}),
  })
}

interface Socket {
  ws: WebSocket
  frames: { event: string; payload: unknown }[]
}

/** Opens /events; resolves with the socket or the HTTP status the upgrade was refused with. */
function connect(query: string, options: { origin?: string; headers?: Record<string, string> } = {}): Promise<Socket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/events?${query}`, {
      ...(options.origin ? { origin: options.origin } : {}),
      headers: options.headers ?? {},
    })
    const frames: Socket['frames'] = []
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as Socket['frames'][number]))
    ws.once('open', () => resolve({ ws, frames }))
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('error', reject)
  })
}

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
  const root = await mkdtemp(path.join(tmpdir(), 'schemata-console-'))
  rendererDir = path.join(root, 'renderer')
  outside = path.join(root, 'secret.txt')
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true })
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Schemata</title><script type="module" src="./assets/app.js"></script>')
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app")')
  await writeFile(path.join(rendererDir, 'assets', 'app.css'), 'body{}')
  await writeFile(outside, 'do not serve me')
  server = await createSchemataServer({
    tenancy: t.tenancy,
    dispatch: fakeDispatch,
    rendererDir,
    port: 0,
    consoleToken: TOKEN,
    requestLog: new RequestLog(),
  })
  port = server.port
})

afterAll(async () => {
  await server?.close()
  await t?.drop()
  if (rendererDir) await rm(path.dirname(rendererDir), { recursive: true, force: true })
})

describe('console token', () => {
  it('prints a console URL on the bare host with the token; a random token is 24 bytes base64url', async () => {
    expect(server.consoleUrl).toBe(`http://localhost:${port}/?token=${TOKEN}`)
    const other = await createSchemataServer({ tenancy: t.tenancy, dispatch: fakeDispatch, rendererDir, port: 0, requestLog: new RequestLog() })
    try {
      expect(other.consoleToken).toMatch(/^[A-Za-z0-9_-]{32}$/)
      expect(other.consoleToken).not.toBe(TOKEN)
    } finally {
      await other.close()
    }
  })

  it('refuses the console without the token: pages, assets, RPC (JSON for scripts)', async () => {
    for (const p of ['/', '/assets/app.js']) {
      const r = await send(port, { path: p })
      expect(r.status, p).toBe(401)
      expect(r.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    }
    const noToken = await send(port, { method: 'POST', path: '/rpc/tenants/list', headers: { 'x-schemata-window': 'w1' }, body: '{}' })
    expect(noToken.status).toBe(401)
    expect(noToken.json).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } })
    const wrong = await rpc('tenants/list', {}, { window: 'w1', headers: { authorization: 'Bearer wrong-token' } })
    expect(wrong.status).toBe(401)
    expect((await send(port, { path: '/?token=wrong' })).status).toBe(401)
    // A token in the query opens nothing but the trade for the cookie: not RPC, not an asset.
    expect((await send(port, { method: 'POST', path: `/rpc/tenants/list?token=${TOKEN}`, headers: { 'x-schemata-window': 'w1' }, body: '{}' })).status).toBe(401)
  })

  it('a browser opening the bare URL, or an old link, gets a small HTML page saying how to get in', async () => {
    const navigation = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-mode': 'navigate' }
    for (const [p, says] of [
      ['/', 'needs its link'],
      ['/migrations', 'needs its link'],
      ['/?token=from-before-new-token', 'not valid'],
    ] as const) {
      const r = await send(port, { path: p, headers: navigation })
      expect(r.status, p).toBe(401)
      expect(r.headers['content-type'], p).toBe('text/html; charset=utf-8')
      expect(r.headers['content-security-policy'], p).toMatch(/default-src 'none'/)
      expect(r.headers['cache-control'], p).toBe('no-store')
      expect(r.text, p).toContain(says)
      expect(r.text, p).toContain('schemata serve --new-token')
      expect(r.text, p).toContain(`http://localhost:${port}/?token=…`)
      expect(r.text, p).not.toContain(TOKEN)
    }
    // A script's fetch of the same address still gets the JSON error it can read.
    const scripted = await send(port, { path: '/', headers: { accept: 'text/html', 'sec-fetch-mode': 'cors' } })
    expect(scripted.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
  })

  it('the printed link trades its token for an HttpOnly SameSite=Strict cookie and redirects to the address without it', async () => {
    const first = await send(port, { path: `/?token=${TOKEN}`, headers: { accept: 'text/html' } })
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/')
    expect(first.headers['cache-control']).toBe('no-store')
    expect(first.text).toBe('')
    const deep = await send(port, { path: `/migrations?tab=grid&token=${TOKEN}` })
    expect(deep.status).toBe(303)
    expect(deep.headers.location).toBe('/migrations?tab=grid')
    const cookie = first.headers['set-cookie']?.[0] ?? ''
    expect(cookie).toMatch(new RegExp(`^schemata_console_${port}=${TOKEN};`))
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Strict/)
    expect(cookie).toMatch(/; Path=\//)
    const jar = cookie.split(';')[0] ?? ''
    const page = await send(port, { path: '/', headers: { cookie: jar } })
    expect(page.status).toBe(200)
    expect(page.text).toContain('<title>Schemata</title>')
    const asset = await send(port, { path: '/assets/app.js', headers: { cookie: jar } })
    expect(asset.status).toBe(200)
    const call = await send(port, {
      method: 'POST',
      path: '/rpc/tenants/list',
      headers: { cookie: `other=1; ${jar}`, 'x-schemata-window': 'w1', 'content-type': 'application/json' },
      body: '{}',
    })
    expect(call.status).toBe(200)
    // Another port's cookie is not ours.
    const foreignCookie = await send(port, { path: '/', headers: { cookie: `schemata_console_1=${TOKEN}` } })
    expect(foreignCookie.status).toBe(401)
  })
})

describe('Host and Origin', () => {
  it('serves the console on localhost:PORT and 127.0.0.1:PORT only (DNS rebinding)', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      expect((await rpc('tenants/list', {}, { window: 'w1', host })).status, host).toBe(200)
    }
    for (const host of [`evil.example:${port}`, 'localhost', `localhost:${port + 1}`, `127.0.0.2:${port}`, `[::1]:${port}`]) {
      const r = await rpc('tenants/list', {}, { window: 'w1', host })
      expect(r.status, host).toBe(403)
      expect(r.json).toMatchObject({ error: { code: 'FORBIDDEN' } })
      const page = await send(port, { path: '/', host, headers: { authorization: `Bearer ${TOKEN}` } })
      expect(page.status, host).toBe(403)
    }
  })

  it('refuses a foreign Origin even with the token; accepts our own and none', async () => {
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', `http://acme.localhost:${port}`, `https://localhost:${port}`]) {
      const r = await rpc('tenants/list', {}, { window: 'w1', headers: { origin } })
      expect(r.status, origin).toBe(403)
      expect(r.json).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
      const page = await send(port, { path: `/?token=${TOKEN}`, headers: { origin } })
      expect(page.status, origin).toBe(403)
    }
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      expect((await rpc('tenants/list', {}, { window: 'w1', headers: { origin } })).status, origin).toBe(200)
    }
  })
})

describe('static files', () => {
  it('serves index.html for / and client routes, with CSP and content types', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    for (const p of ['/', '/tenants/acme', '/index.html']) {
      const r = await send(port, { path: p, headers: auth })
      expect(r.status, p).toBe(200)
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(r.headers['content-security-policy']).toContain("script-src 'self'")
      expect(r.headers['content-security-policy']).toContain(`ws://localhost:${port}`)
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'")
      expect(r.headers['x-content-type-options']).toBe('nosniff')
    }
    const js = await send(port, { path: '/assets/app.js', headers: auth })
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.text).toBe('console.log("app")')
    const css = await send(port, { path: '/assets/app.css', headers: auth })
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const head = await send(port, { method: 'HEAD', path: '/assets/app.js', headers: auth })
    expect(head.status).toBe(200)
    expect(head.text).toBe('')
    expect((await send(port, { path: '/assets/missing.js', headers: auth })).status).toBe(404)
    expect((await send(port, { method: 'POST', path: '/', headers: auth, body: '' })).status).toBe(405)
  })

  it('cannot be made to read outside the renderer directory', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/..%5csecret.txt', '/%00.js', `/${encodeURIComponent(outside)}`]) {
      const r = await send(port, { path: p, headers: auth })
      expect(r.text, p).not.toContain('do not serve me')
      expect([400, 404], p).toContain(r.status)
    }
  })

  it('says so when the renderer is not built', async () => {
    const bare = await createSchemataServer({ tenancy: t.tenancy, dispatch: fakeDispatch, rendererDir: path.join(rendererDir, 'nope'), port: 0, requestLog: new RequestLog() })
    try {
      const r = await send(bare.port, { path: '/', headers: { authorization: `Bearer ${bare.consoleToken}` } })
      expect(r.status).toBe(503)
      expect(r.json).toMatchObject({ error: { message: expect.stringContaining('npm run build') as string } })
    } finally {
      await bare.close()
    }
  })
})

describe('RPC transport', () => {
  it('POST /rpc/<call> passes the JSON body as input and answers { ok: true, result }', async () => {
    calls.length = 0
    const r = await rpc('data/customers/list', { search: 'x' }, { window: 'tab-1' })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ ok: true, result: { echo: { search: 'x' } } })
    expect(calls).toEqual([{ name: 'data/customers/list', input: { search: 'x' }, windowId: 'tab-1' }])
    // An empty body is the empty input.
    const empty = await rpc('tenants/list', undefined, { window: 'tab-1', raw: '' })
    expect(empty.json).toEqual({ ok: true, result: { echo: {} } })
  })

  it('each window id has its own session (its own active tenant)', async () => {
    await rpc('tenants/switch', { schema: 'acme' }, { window: 'tab-a' })
    await rpc('tenants/switch', { schema: 'globex' }, { window: 'tab-b' })
    expect((await rpc('tenants/active', {}, { window: 'tab-a' })).json).toEqual({ ok: true, result: { tenant: { schema: 'acme' } } })
    expect((await rpc('tenants/active', {}, { window: 'tab-b' })).json).toEqual({ ok: true, result: { tenant: { schema: 'globex' } } })
    expect((await rpc('tenants/active', {}, { window: 'tab-c' })).json).toEqual({ ok: true, result: { tenant: null } })
  })

  it('maps error codes to HTTP statuses with { ok: false, error }', async () => {
    const expected: [ErrorCode, number][] = [
      ['INVALID_INPUT', 400],
      ['UNAUTHORIZED', 401],
      ['FORBIDDEN', 403],
      ['TENANT_SUSPENDED', 403],
      ['TENANT_NOT_FOUND', 404],
      ['NOT_FOUND', 404],
      ['CONFLICT', 409],
      ['MIGRATOR_BUSY', 409],
      ['NO_ACTIVE_TENANT', 409],
      ['RATE_LIMITED', 429],
      ['MIGRATION_FAILED', 500],
      ['DATABASE_UNAVAILABLE', 503],
      ['INTERNAL', 500],
    ]
    for (const [code, status] of expected) {
      const r = await rpc('tenants/drop', { schema: 'x', confirm: code }, { window: 'w1' })
      expect(r.status, code).toBe(status)
      expect(r.json).toEqual({ ok: false, error: { code, message: 'as requested', field: 'confirm' } })
    }
  })

  it('refuses malformed transport input before the dispatcher sees it', async () => {
    calls.length = 0
    const missingWindow = await rpc('tenants/list', {})
    expect(missingWindow.status).toBe(400)
    expect(missingWindow.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'X-Schemata-Window' } })
    expect((await rpc('tenants/list', {}, { window: 'bad id!' })).json).toMatchObject({ error: { field: 'X-Schemata-Window' } })
    const badJson = await rpc('tenants/list', undefined, { window: 'w1', raw: '{"a":' })
    expect(badJson.status).toBe(400)
    expect(badJson.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'body' } })
    const form = await rpc('tenants/list', undefined, { window: 'w1', raw: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(415)
    const unknown = await rpc('tenants/explode', {}, { window: 'w1' })
    expect(unknown.status).toBe(404)
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    const get = await send(port, { path: '/rpc/tenants/list', headers: { authorization: `Bearer ${TOKEN}`, 'x-schemata-window': 'w1' } })
    expect(get.status).toBe(405)
    const huge = await rpc('tenants/list', { blob: 'x'.repeat(1024 * 1024 + 10) }, { window: 'w1' })
    expect(huge.status).toBe(413)
    expect(calls).toEqual([])
  })
})

describe('WebSocket events', () => {
  it('delivers a window’s emits to that window and broadcasts to all', async () => {
    const a = await connect('window=ev-a', { headers: { authorization: `Bearer ${TOKEN}` } })
    const b = await connect('window=ev-b', { headers: { cookie: `schemata_console_${port}=${TOKEN}` }, origin: `http://localhost:${port}` })
    if (typeof a === 'number' || typeof b === 'number') throw new Error(`upgrade refused: ${typeof a === 'number' ? a : 'ok'} / ${typeof b === 'number' ? b : 'ok'}`)
    try {
      const r = await rpc('migrations/run', {}, { window: 'ev-a' })
      expect(r.status).toBe(200)
      await vi.waitFor(() => {
        expect(a.frames).toEqual([
          { event: 'migrations/progress', payload: { type: 'run-start', shared: false, tenants: 2 } },
          { event: 'tenants/changed', payload: { reason: 'migrated' } },
        ])
        expect(b.frames).toEqual([{ event: 'tenants/changed', payload: { reason: 'migrated' } }])
      })
      server.broadcast('tenants/changed', { reason: 'from the server' })
      await vi.waitFor(() => {
        expect(b.frames).toHaveLength(2)
        expect(a.frames).toHaveLength(3)
      })
    } finally {
      a.ws.close()
      b.ws.close()
    }
  })

  it('refuses upgrades without the token (a token in the URL is not one), from a foreign Origin or Host, or without a window id', async () => {
    const cookie = { cookie: `schemata_console_${port}=${TOKEN}` }
    expect(await connect('window=x')).toBe(401)
    expect(await connect('window=x', { headers: { cookie: `schemata_console_${port}=wrong` } })).toBe(401)
    expect(await connect(`window=x&token=${TOKEN}`)).toBe(401)
    expect(await connect('window=x', { origin: 'http://evil.example', headers: cookie })).toBe(403)
    expect(await connect('window=x', { headers: { ...cookie, host: `evil.example:${port}` } })).toBe(403)
    expect(await connect('window=x', { headers: { ...cookie, host: `acme.localhost:${port}` } })).toBe(403)
    expect(await connect('', { headers: cookie })).toBe(400)
    const plain = await send(port, { path: '/events?window=x', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(plain.status).toBe(426)
  })
})
