import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../electron/main/auth/password.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { RequestLog, type SchemataServer, createSchemataServer } from '../../electron/main/server/index.ts'
import { type Reply, send } from '../fixtures/http-send.ts'
import { serverUnderTest } from '../fixtures/server-under-test.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * Issue 10, item 4, over real HTTP: no other web page can lock a user out or
 * post to the tenant API (JSON only, Origin checked before any sign-in attempt
 * counts), and the tenant API answers only the hosts it knows — a DNS-rebinding
 * page, arriving with its own name, gets 421 before anything is routed.
 */
const noDispatch: Dispatch = () => Promise.resolve<CallOutcome>({ ok: false, error: { code: 'NOT_FOUND', message: 'no RPC in this test' } })

let t: TestDatabase
let server: SchemataServer
let port: number

function login(options: { host?: string; origin?: string; type?: string; email?: string; password?: string; tenant?: string }): Promise<Reply> {
  const body = JSON.stringify({ email: options.email ?? 'pat@acme.example', password: options.password ?? 'acme-secret' })
  return send(port, {
    method: 'POST',
    path: '/api/login',
    host: options.host ?? `acme.localhost:${port}`,
    headers: {
      'content-type': options.type ?? 'application/json',
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.tenant === undefined ? {} : { 'x-tenant': options.tenant }),
    },
    body,
  })
}

beforeAll(async () => {
  const target = serverUnderTest()
  t = await createTestDatabase(target.adminUrl, { login: 'admin', ...(target.directAdminUrl ? { directAdminUrl: target.directAdminUrl } : {}) })
  await t.tenancy.resolver.listen()
  await t.tenancy.createTenant({ name: 'Acme', schema: 'acme', domains: ['acme.test'] })
  await t.tenancy.createTenant({ name: 'Globex', schema: 'globex' })
  const passwordHash = await hashPassword('acme-secret')
  await t.tenancy.withTenant('acme', () => t.tenancy.models.User.create({ email: 'pat@acme.example', passwordHash }))
  server = await createSchemataServer({ tenancy: t.tenancy, dispatch: noDispatch, rendererDir: '/nonexistent', port: 0, requestLog: new RequestLog() })
  port = server.port
})
afterAll(async () => {
  await server?.close()
  await t?.drop()
})

describe('another site cannot post to the tenant API or lock a user out', () => {
  it('a body that is not application/json gets 415: a cross-site form (text/plain, urlencoded, multipart) cannot reach sign-in', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8']) {
      const r = await login({ type })
      expect(r.status, type).toBe(415)
      expect(r.json, type).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'body' } })
    }
    const untyped = await send(port, { method: 'POST', path: '/api/login', host: `acme.localhost:${port}`, headers: { 'content-type': '' }, body: '{}' })
    expect(untyped.status).toBe(415)
  })

  it('a sign-in whose Origin is not the tenant’s own gets 403; the tenant’s own origins are accepted', async () => {
    for (const origin of ['https://evil.example', 'null', `http://globex.localhost:${port}`, `http://localhost:${port}`, 'http://acme.localhost.evil.example']) {
      const r = await login({ origin, password: 'wrong' })
      expect(r.status, origin).toBe(403)
      expect(r.json, origin).toMatchObject({ error: { code: 'FORBIDDEN' } })
    }
    expect((await login({ origin: `http://acme.localhost:${port}` })).status).toBe(200)
    expect((await login({ origin: `http://acme.test:${port}`, host: `acme.test:${port}` })).status).toBe(200)
    // A client that is not a browser sends no Origin and is not affected.
    expect((await login({})).status).toBe(200)
  })

  it('fifty cross-site attempts in a minute lock nobody out: none of them counts', async () => {
    for (let i = 0; i < 50; i++) {
      const r = i % 2 === 0 ? await login({ origin: 'https://evil.example', password: `guess-${i}` }) : await login({ type: 'text/plain', password: `guess-${i}` })
      expect([403, 415]).toContain(r.status)
    }
    expect((await login({})).status).toBe(200)
  })

  it('the account limit still stops same-origin guessing, and a client spraying many accounts is limited too', async () => {
    for (let i = 0; i < 5; i++) expect((await login({ password: `guess-${i}` })).status).toBe(401)
    expect((await login({ password: 'guess-5' })).status).toBe(429)
    // One client trying many accounts: the per-client limit (30 a minute) stops it, whatever the emails.
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await login({ email: `nobody-${i}@acme.example`, password: 'x' })).status)
    expect(statuses).toContain(429)
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(30 - 6)
  })

  it('state-changing calls with a valid token are origin-checked too', async () => {
    const other = await createSchemataServer({ tenancy: t.tenancy, dispatch: noDispatch, rendererDir: '/nonexistent', port: 0, requestLog: new RequestLog() })
    try {
      const token = (
        (await send(other.port, {
          method: 'POST',
          path: '/api/login',
          host: `acme.localhost:${other.port}`,
          body: JSON.stringify({ email: 'pat@acme.example', password: 'acme-secret' }),
        })).json as { token: string }
      ).token
      const post = (origin: string): Promise<Reply> =>
        send(other.port, {
          method: 'POST',
          path: '/api/customers',
          host: `acme.localhost:${other.port}`,
          headers: { authorization: `Bearer ${token}`, origin },
          body: JSON.stringify({ name: 'Via another site', email: 'x@acme.example' }),
        })
      expect((await post('https://evil.example')).status).toBe(403)
      expect((await post(`http://acme.localhost:${other.port}`)).status).toBe(201)
    } finally {
      await other.close()
    }
  })
})

describe('the tenant API serves only hosts it knows', () => {
  const get = (host: string, headers: Record<string, string> = {}): Promise<Reply> => send(port, { path: '/api/tenant', host, headers })

  it('a DNS-rebinding host with X-Tenant gets 421 before routing, for reads and sign-in alike', async () => {
    for (const host of [`rebind.attacker.example:${port}`, 'rebind.attacker.example', `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`]) {
      const r = await get(host, { 'x-tenant': 'acme' })
      expect(r.status, host).toBe(421)
      expect(r.text, host).not.toContain('Acme')
    }
    const signIn = await login({ host: `rebind.attacker.example:${port}`, tenant: 'acme' })
    expect(signIn.status).toBe(421)
    expect(signIn.text).not.toContain('token')
  })

  it('known hosts are served: a registered domain, <schema>.localhost, and loopback names with X-Tenant', async () => {
    expect((await get(`acme.test:${port}`)).json).toEqual({ name: 'Acme', schema: 'acme' })
    expect((await get(`globex.localhost:${port}`)).json).toEqual({ name: 'Globex', schema: 'globex' })
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await get(host, { 'x-tenant': 'acme' })).json, host).toEqual({ name: 'Acme', schema: 'acme' })
    }
    // A subdomain of the base domain that names no tenant is a known kind of host: 404, not 421.
    expect((await get(`nosuch.localhost:${port}`)).status).toBe(404)
  })
})
