import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { hashPassword } from '../../electron/main/auth/password.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { RequestLog, type ApiRequestLogEntry, type SchemataServer, createSchemataServer } from '../../electron/main/server/index.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { Database } from '../../electron/main/db/database.ts'
import { serverUnderTest } from '../fixtures/server-under-test.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { type Reply, send } from '../fixtures/http-send.ts'

/*
 * The routing rules of the tenant API, over real HTTP against a real
 * PostgreSQL: exact domain, subdomain, X-Tenant; 404 for none/unknown, 400
 * for a conflict, 403 for a suspended tenant; the bare host never serves
 * tenant data; paths outside /api/ are not served on tenant hosts.
 */

// Every call that reaches the console is counted and answered with a marker no tenant route can produce.
const CONSOLE_REACHED = 'console-rpc-reached'
let consoleCalls = 0
const countingDispatch: Dispatch = () => {
  consoleCalls++
  return Promise.resolve<CallOutcome>({ ok: true, result: CONSOLE_REACHED })
}
const CONSOLE_TOKEN = 'routing-test-console-token-0123456789'

let t: TestDatabase
let server: SchemataServer
let port: number
const log = new RequestLog(50)
const tokens: Record<string, string> = {}

async function seed(schema: string, domains: string[]): Promise<void> {
  await t.tenancy.createTenant({ name: `Tenant ${schema}`, schema, domains })
  const { Customer, User } = t.tenancy.models
  const passwordHash = await hashPassword(`${schema}-pw`)
  await t.tenancy.withTenant(schema, async () => {
    await User.create({ email: `admin@${schema}.example`, passwordHash })
    await Customer.create({ name: `Customer of ${schema}`, email: `only@${schema}.example` })
  })
}

async function login(schema: string): Promise<string> {
  const r = await send(port, {
    method: 'POST',
    path: '/api/login',
    host: `${schema}.localhost:${port}`,
    body: JSON.stringify({ email: `admin@${schema}.example`, password: `${schema}-pw` }),
  })
  expect(r.status).toBe(200)
  return (r.json as { token: string }).token
}

function customersOf(r: Reply): string[] {
  return (r.json as { customers: { email: string }[] }).customers.map((c) => c.email)
}

beforeAll(async () => {
  const target = serverUnderTest()
  t = await createTestDatabase(target.adminUrl, target.directAdminUrl ? { directAdminUrl: target.directAdminUrl } : {})
  await t.tenancy.resolver.listen()
  // acme: its default domain acme.localhost; globex: only an exact domain, so globex.localhost resolves as a subdomain.
  await seed('acme', ['acme.localhost'])
  await seed('globex', ['globex.example.test'])
  await seed('initech', ['initech.localhost'])
  await t.tenancy.setStatus('initech', 'suspended')
  server = await createSchemataServer({ tenancy: t.tenancy, dispatch: countingDispatch, consoleToken: CONSOLE_TOKEN, rendererDir: '/nonexistent', port: 0, requestLog: log })
  port = server.port
  for (const schema of ['acme', 'globex']) tokens[schema] = await login(schema)
})

afterAll(async () => {
  await server?.close()
  await t?.drop()
})

describe('tenant API routing', () => {
  it('an exact registered domain selects its tenant', async () => {
    const r = await send(port, { path: '/api/tenant', host: `globex.example.test:${port}` })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ name: 'Tenant globex', schema: 'globex' })
    const data = await send(port, { path: '/api/customers', host: 'globex.example.test', headers: { authorization: `Bearer ${tokens.globex}` } })
    expect(customersOf(data)).toEqual(['only@globex.example'])
  })

  it('a subdomain of localhost selects its tenant (registered as a domain or not)', async () => {
    expect((await send(port, { path: '/api/tenant', host: `acme.localhost:${port}` })).json).toEqual({ name: 'Tenant acme', schema: 'acme' })
    expect((await send(port, { path: '/api/tenant', host: `globex.localhost:${port}` })).json).toEqual({ name: 'Tenant globex', schema: 'globex' })
    const data = await send(port, { path: '/api/customers', host: `acme.localhost:${port}`, headers: { authorization: `Bearer ${tokens.acme}` } })
    expect(data.status).toBe(200)
    expect(customersOf(data)).toEqual(['only@acme.example'])
  })

  it('the X-Tenant header selects the tenant on the loopback names; a host the API does not know gets 421 (issue 10, item 4)', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const r = await send(port, { path: '/api/tenant', host, headers: { 'x-tenant': 'globex' } })
      expect(r.status, host).toBe(200)
      expect(r.json).toEqual({ name: 'Tenant globex', schema: 'globex' })
    }
    const foreign = await send(port, { path: '/api/tenant', host: 'api.somewhere.test', headers: { 'x-tenant': 'globex' } })
    expect(foreign.status).toBe(421)
    expect(foreign.text).not.toContain('globex')
    const data = await send(port, { path: '/api/customers', headers: { 'x-tenant': 'acme', authorization: `Bearer ${tokens.acme}` } })
    expect(customersOf(data)).toEqual(['only@acme.example'])
  })

  it('a host and a header naming the same tenant agree', async () => {
    const r = await send(port, { path: '/api/tenant', host: `acme.localhost:${port}`, headers: { 'x-tenant': 'acme' } })
    expect(r.status).toBe(200)
  })

  it('no tenant named → 404 JSON (421 on a host the API does not know), and the bare host never serves tenant data', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'elsewhere.test']) {
      for (const path of ['/api/tenant', '/api/customers', '/api/orders', '/api']) {
        // Even with a perfectly valid token of a tenant in hand.
        const r = await send(port, { path, host, headers: { authorization: `Bearer ${tokens.acme}` } })
        const known = host !== 'elsewhere.test'
        expect(r.status, `${host}${path}`).toBe(known ? 404 : 421)
        expect(r.headers['content-type']).toMatch(/^application\/json/)
        expect(r.json).toMatchObject({ error: { code: known ? 'TENANT_NOT_FOUND' : 'FORBIDDEN' } })
        expect(r.text).not.toContain('only@')
      }
    }
  })

  it('an unknown tenant → 404 JSON (subdomain or header)', async () => {
    const bySubdomain = await send(port, { path: '/api/tenant', host: `nope.localhost:${port}` })
    expect(bySubdomain.status).toBe(404)
    expect(bySubdomain.json).toMatchObject({ error: { code: 'TENANT_NOT_FOUND', message: expect.stringContaining('nope.localhost') as string } })
    const byHeader = await send(port, { path: '/api/tenant', headers: { 'x-tenant': 'nope' } })
    expect(byHeader.status).toBe(404)
    expect(byHeader.json).toMatchObject({ error: { code: 'TENANT_NOT_FOUND' } })
    // A subdomain naming nobody is not rescued by a header naming someone.
    const mixed = await send(port, { path: '/api/tenant', host: `nope.localhost:${port}`, headers: { 'x-tenant': 'acme' } })
    expect(mixed.status).toBe(404)
  })

  it('a host and a header naming different tenants → 400 naming the header', async () => {
    for (const host of [`acme.localhost:${port}`, 'globex.example.test']) {
      const r = await send(port, { path: '/api/customers', host, headers: { 'x-tenant': host.startsWith('acme') ? 'globex' : 'acme', authorization: `Bearer ${tokens.acme}` } })
      expect(r.status, host).toBe(400)
      expect(r.json).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'x-tenant' } })
      expect(r.text).not.toContain('only@')
    }
  })

  it('a suspended tenant → 403, by host and by header; resumed, it answers again', async () => {
    for (const request of [{ host: `initech.localhost:${port}` }, { headers: { 'x-tenant': 'initech' } }]) {
      const r = await send(port, { path: '/api/tenant', ...request })
      expect(r.status).toBe(403)
      expect(r.json).toMatchObject({ error: { code: 'TENANT_SUSPENDED' } })
    }
    const login = await send(port, {
      method: 'POST',
      path: '/api/login',
      host: `initech.localhost:${port}`,
      body: JSON.stringify({ email: 'admin@initech.example', password: 'initech-pw' }),
    })
    expect(login.status).toBe(403)
    await t.tenancy.setStatus('initech', 'active')
    try {
      expect((await send(port, { path: '/api/tenant', host: `initech.localhost:${port}` })).status).toBe(200)
    } finally {
      await t.tenancy.setStatus('initech', 'suspended')
    }
    expect((await send(port, { path: '/api/tenant', host: `initech.localhost:${port}` })).status).toBe(403)
  })

  it('sees domain changes made by another process (the cached lookup is invalidated by NOTIFY)', async () => {
    const other = new Tenancy(new Database({ url: t.url, mode: 'external', poolMax: 1 }), { project: t.tenancy.project })
    try {
      // Not a registered domain yet: a host the tenant API does not serve at all.
      expect((await send(port, { path: '/api/tenant', host: 'acme-shop.example.test' })).status).toBe(421)
      await other.setDomains('acme', ['acme.localhost', 'acme-shop.example.test'])
      await vi.waitFor(async () => {
        expect((await send(port, { path: '/api/tenant', host: 'acme-shop.example.test' })).status).toBe(200)
      })
      await other.setDomains('acme', ['acme.localhost'])
      await vi.waitFor(async () => {
        expect((await send(port, { path: '/api/tenant', host: 'acme-shop.example.test' })).status).toBe(421)
      })
    } finally {
      await other.close()
    }
  })

  it('paths outside /api/ on a tenant host → 404 (the console is on the bare host only); other hosts → 403', async () => {
    for (const path of ['/', '/index.html', '/rpc/tenants/list', '/events']) {
      const r = await send(port, { path, host: `acme.localhost:${port}` })
      expect(r.status, path).toBe(404)
      expect(r.json).toMatchObject({ error: { code: 'NOT_FOUND' } })
      const foreign = await send(port, { path, host: `evil.example:${port}` })
      expect(foreign.status, path).toBe(403)
      expect(foreign.json).toMatchObject({ error: { code: 'FORBIDDEN' } })
    }
  })

  it('unknown endpoints → 404, wrong methods → 405 with Allow', async () => {
    const missing = await send(port, { path: '/api/secrets', host: `acme.localhost:${port}` })
    expect(missing.status).toBe(404)
    expect(missing.json).toMatchObject({ error: { code: 'NOT_FOUND' } })
    const wrong = await send(port, { method: 'DELETE', path: '/api/tenant', host: `acme.localhost:${port}` })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('GET, HEAD')
    expect(wrong.json).toMatchObject({ error: { field: 'method' } })
  })

  it('dot segments cannot climb out of /api/ into the console, even holding the console token', async () => {
    const credentials = { authorization: `Bearer ${CONSOLE_TOKEN}`, cookie: `schemata_console_${port}=${CONSOLE_TOKEN}`, 'x-schemata-window': 'routing-test' }
    // The control: with that token, the console's RPC is reached on the bare host.
    const before = consoleCalls
    const control = await send(port, { path: '/rpc/tenants/list', method: 'POST', body: '{}', headers: { ...credentials, 'content-type': 'application/json' } })
    expect(control.status).toBe(200)
    expect(control.text).toContain(CONSOLE_REACHED)
    expect(consoleCalls).toBe(before + 1)
    const climbs = ['/api/../rpc/tenants/list', '/api/%2e%2e/rpc/tenants/list', '/api/./../rpc/tenants/list', '/api/customers/../../rpc/tenants/list']
    const tenantRoutes: { host: string; headers: Record<string, string> }[] = [
      { host: `acme.localhost:${port}`, headers: {} },
      { host: `globex.example.test:${port}`, headers: { 'x-tenant': 'globex' } },
    ]
    for (const path of climbs) {
      for (const tenantRoute of tenantRoutes) {
        const calls = consoleCalls
        const r = await send(port, {
          path,
          host: tenantRoute.host,
          method: 'POST',
          body: '{}',
          headers: { ...tenantRoute.headers, ...credentials, 'content-type': 'application/json' },
        })
        // Normalised to /rpc/tenants/list on a tenant host: the console lives on the bare host only.
        expect(r.status, `${tenantRoute.host}${path}`).toBe(404)
        expect(r.text).not.toContain(CONSOLE_REACHED)
        expect(consoleCalls, `${tenantRoute.host}${path} reached the console`).toBe(calls)
      }
    }
  })
})

describe('request log and the Requests panel', () => {
  it('logs each API request with its tenant and status, newest first, and tells listeners', async () => {
    const seen: ApiRequestLogEntry[] = []
    const off = server.onRequestLogged((entry) => seen.push(entry))
    try {
      await send(port, { path: '/api/tenant', host: `acme.localhost:${port}` })
      await send(port, { path: '/api/tenant', host: `globex.localhost:${port}` })
      await send(port, { path: '/api/tenant', headers: { 'x-tenant': 'globex' } })
      await send(port, { path: '/api/tenant' })
    } finally {
      off()
    }
    expect(seen.map((e) => [e.tenant, e.via, e.status, e.path])).toEqual([
      ['acme', 'domain', 200, '/api/tenant'],
      ['globex', 'subdomain', 200, '/api/tenant'],
      ['globex', 'header', 200, '/api/tenant'],
      [null, null, 404, '/api/tenant'],
    ])
    const recent = server.recentRequests(4)
    expect(recent.map((e) => e.id)).toEqual(seen.map((e) => e.id).reverse())
    expect(recent[0]).toMatchObject({ method: 'GET', host: `localhost:${port}` })
    expect(recent[0]?.ms).toBeGreaterThanOrEqual(0)
    expect(Date.parse(recent[0]?.time ?? '')).not.toBeNaN()
    // A bounded ring: never more than its capacity.
    expect(server.recentRequests().length).toBeLessThanOrEqual(50)
  })

  it('sendTenantApiRequest sends the typed host and headers through the server and reports what it resolved', async () => {
    const byHost = await server.sendTenantApiRequest({ method: 'GET', host: `globex.localhost:${port}`, path: '/api/tenant' })
    expect(byHost).toMatchObject({ status: 200, json: { schema: 'globex' }, resolved: { tenant: 'globex', via: 'subdomain' } })
    expect(byHost.logEntry?.id).toBe(byHost.headers['x-request-id'])

    const byHeader = await server.sendTenantApiRequest({
      method: 'GET',
      host: `localhost:${port}`,
      path: '/api/customers',
      headers: { 'X-Tenant': 'acme', Authorization: `Bearer ${tokens.acme}` },
    })
    expect(byHeader.status).toBe(200)
    expect(byHeader.resolved).toEqual({ tenant: 'acme', via: 'header' })
    expect(byHeader.json).toMatchObject({ customers: [{ email: 'only@acme.example' }] })

    const conflict = await server.sendTenantApiRequest({ method: 'GET', host: 'globex.example.test', path: '/api/tenant', headers: { 'x-tenant': 'acme' } })
    expect(conflict).toMatchObject({ status: 400, resolved: { tenant: null, via: null } })

    const posted = await server.sendTenantApiRequest({
      method: 'POST',
      host: `acme.localhost:${port}`,
      path: '/api/login',
      body: JSON.stringify({ email: 'admin@acme.example', password: 'acme-pw' }),
    })
    expect(posted.status).toBe(200)
    expect(posted.json).toMatchObject({ token: expect.any(String) as string })
  })

  it('sendTenantApiRequest refuses malformed input naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ method: 'GET', host: 'acme.localhost', path: 'api/tenant' }, 'path'],
      [{ method: 'TRACE', host: 'acme.localhost', path: '/api/tenant' }, 'method'],
      [{ method: 'GET', host: 'acme localhost', path: '/api/tenant' }, 'host'],
      [{ method: 'GET', host: 'acme.localhost', path: '/api/tenant', headers: { Host: 'globex.localhost' } }, 'headers.Host'],
      [{ method: 'GET', host: 'acme.localhost', path: '/api/tenant', headers: { 'x-evil': 'a\r\nb' } }, 'headers.x-evil'],
      [{ method: 'GET', host: 'acme.localhost', path: '/api/tenant', body: '{}' }, 'body'],
      [{ method: 'GET', host: 'acme.localhost', path: '/api/tenant', extra: 1 }, 'extra'],
    ]
    for (const [input, field] of cases) {
      const error = await server.sendTenantApiRequest(input).catch((e: unknown) => e)
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidInputError)
      expect((error as InvalidInputError).field).toBe(field)
    }
  })
})
