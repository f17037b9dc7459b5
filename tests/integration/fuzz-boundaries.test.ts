import { request } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { CALL_NAMES, type CallName } from '../../contract/contract.ts'
import { type RunningApp, startApp } from '../../electron/main/app/start-app.ts'
import { hashPassword } from '../../electron/main/auth/password.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import type { CallContext, CallOutcome } from '../../electron/main/handlers/dispatch-types.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { hostileString } from '../fixtures/hostile-strings.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * Hostile input at every boundary a user or a page can reach: every contract
 * call, and every tenant API field and header. Nothing may crash (no INTERNAL,
 * no 5xx); input is either refused as invalid — naming the field — or stored
 * and read back byte for byte, never executed.
 */

let t: TestDatabase
let local: RunningApp
let tried = 0
const sessions = new SessionStore()

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  await t.tenancy.createTenant({ name: 'Fuzz', schema: 'fuzz' })
  await t.tenancy.createTenant({ name: 'Other', schema: 'other' })
  for (const tenant of ['fuzz', 'other']) {
    const passwordHash = await hashPassword(`${tenant}-pass`)
    await t.tenancy.withTenant(tenant, () => t.tenancy.models.User.create({ email: `admin@${tenant}.example`, passwordHash, role: 'admin' }))
  }
  local = await startApp({ target: { mode: 'external', url: t.url }, sessions, server: { rendererDir: 'out/renderer', port: 0 } })
})
afterAll(async () => {
  await local?.stop()
  await t?.drop()
  console.info(`fuzz-boundaries: ${tried} hostile inputs tried`)
})

/** Anything JSON can carry, biased towards hostile strings and wrong types. */
function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    hostileString(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(hostileString(), { maxLength: 3 }),
    fc.dictionary(hostileString(), hostileString(), { maxKeys: 3 }),
  )
}

/** The local server's port (the start fails without one: the server is not optional here). */
function serverPort(): number {
  if (!local.server) throw new Error('the local server is not running')
  return local.server.port
}

function context(window: string): CallContext {
  return { session: sessions.open(window), emit: () => undefined, broadcast: () => undefined }
}

// Codes a hostile call may legitimately end in; INTERNAL is never one of them.
const EXPECTED_CODES = new Set(['INVALID_INPUT', 'TENANT_NOT_FOUND', 'TENANT_SUSPENDED', 'NO_ACTIVE_TENANT', 'NOT_FOUND', 'CONFLICT', 'MIGRATOR_BUSY'])

// Calls that would change the shared fixture for the other runs get their own guard below.
const DESTRUCTIVE: ReadonlySet<CallName> = new Set(['tenants/drop', 'tenants/set-status', 'tenants/set-domains', 'migrations/run'])

// demo/load acts on its one valid input (an empty object) by seeding the demo tenants; it is fuzzed on its own below.
const SEEDS_TENANTS: ReadonlySet<CallName> = new Set(['demo/load'])

describe('hostile input to every contract call', () => {
  it.each(CALL_NAMES.filter((name) => !DESTRUCTIVE.has(name) && !SEEDS_TENANTS.has(name)))('%s never crashes', async (name) => {
    const dispatch = createDispatcher(local.services)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileValue(), fc.dictionary(fc.oneof(fc.constantFrom('name', 'schema', 'email', 'id', 'host', 'header', 'search', 'target', 'domains', 'path', 'method'), hostileString()), hostileValue(), { maxKeys: 4 })),
        async (input) => {
          tried++
          const ctx = context('fuzz-window')
          ctx.session.activeTenant = 'fuzz'
          const outcome: CallOutcome = await dispatch(name, input, ctx)
          if (!outcome.ok) {
            expect(EXPECTED_CODES, `${name} ${JSON.stringify(input)} → ${JSON.stringify(outcome.error)}`).toContain(outcome.error.code)
            if (outcome.error.code === 'INVALID_INPUT') {
              // "<field>: <rule>", with nothing unprintable echoed back from the input.
              expect(outcome.error.message).toMatch(/^[\w-]+: /)
              // eslint-disable-next-line no-control-regex -- looking for control characters is the point
              expect(outcome.error.message).not.toMatch(/[\u0000-\u001f\u007f\u202e]/)
            }
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('customer names and emails are refused or stored and read back byte for byte', async () => {
    const dispatch = createDispatcher(local.services)
    const ctx = context('fuzz-data')
    expect(await dispatch('tenants/switch', { schema: 'fuzz' }, ctx)).toMatchObject({ ok: true })
    await fc.assert(
      fc.asyncProperty(hostileString(), hostileString(), async (name, email) => {
        tried++
        const created = await dispatch('data/customers/create', { tenant: 'fuzz', name, email }, ctx)
        if (!created.ok) {
          expect(created.error.code).toBe('INVALID_INPUT')
          expect(['name', 'email']).toContain(created.error.field)
          return
        }
        const customer = created.result as { id: number; name: string; email: string }
        expect(customer.name).toBe(name)
        const listed = await dispatch('data/customers/list', { tenant: 'fuzz' }, ctx)
        const found = (listed.ok ? (listed.result as { id: number; name: string; email: string }[]) : []).find((c) => c.id === customer.id)
        expect(found?.name).toBe(name)
        expect(found?.email).toBe(customer.email)
        // Nothing leaked into the other tenant.
        const other = context('fuzz-other')
        await dispatch('tenants/switch', { schema: 'other' }, other)
        const theirs = await dispatch('data/customers/list', { tenant: 'other' }, other)
        expect(theirs).toMatchObject({ ok: true, result: [] })
      }),
      { numRuns: 150 },
    )
  })

  it('demo/load refuses anything but an empty object, and seeds nothing then', async () => {
    const dispatch = createDispatcher(local.services)
    await fc.assert(
      fc.asyncProperty(hostileValue(), async (value) => {
        tried++
        // The one valid input really seeds the demo: not aimed at here.
        const isEmptyObject = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0
        fc.pre(!isEmptyObject)
        const outcome = await dispatch('demo/load', value, context('fuzz-admin'))
        expect(outcome.ok).toBe(false)
        if (!outcome.ok) expect(outcome.error.code).toBe('INVALID_INPUT')
      }),
      { numRuns: 60 },
    )
    expect((await t.tenancy.listTenants()).map((x) => x.schema).sort()).toEqual(['fuzz', 'other'])
  })

  it.each([...DESTRUCTIVE])('%s refuses hostile input without touching the fixture tenants', async (name) => {
    const dispatch = createDispatcher(local.services)
    await fc.assert(
      fc.asyncProperty(hostileValue(), hostileString(), async (value, schema) => {
        tried++
        // Never aimed at the fixture tenants: those names are valid and would really be acted on.
        fc.pre(schema !== 'fuzz' && schema !== 'other')
        const outcome = await dispatch(name, { schema, confirm: value, status: value, domains: value, scope: value }, context('fuzz-admin'))
        if (!outcome.ok) expect(EXPECTED_CODES).toContain(outcome.error.code)
      }),
      { numRuns: 40 },
    )
    expect((await t.tenancy.listTenants()).map((x) => x.schema).sort()).toEqual(['fuzz', 'other'])
  })
})

interface Answer {
  status: number
  body: string
}

/** A raw HTTP request, so headers and bodies can be anything a client could send. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: serverPort(), method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Header values Node will put on the wire (no CR/LF/NUL, Latin-1 only). */
const headerSafe = (s: string): string => s.replace(/[^\x20-\x7e]/g, '')

describe('hostile input to the tenant API', () => {
  it('login and customer fields: 4xx naming the field, or stored byte for byte; never 5xx', async () => {
    const port = serverPort()
    const login = await raw('POST', '/api/login', { host: `fuzz.localhost:${port}`, 'content-type': 'application/json' }, JSON.stringify({ email: 'admin@fuzz.example', password: 'fuzz-pass' }))
    const token = (JSON.parse(login.body) as { token: string }).token
    await fc.assert(
      fc.asyncProperty(hostileValue(), hostileValue(), fc.boolean(), async (name, email, asJson) => {
        tried++
        const body = asJson ? JSON.stringify({ name, email }) : typeof name === 'string' ? name : '{not json'
        const answer = await raw('POST', '/api/customers', { host: `fuzz.localhost:${port}`, 'content-type': 'application/json', authorization: `Bearer ${token}` }, body)
        expect(answer.status).toBeLessThan(500)
        if (answer.status === 201) {
          const { customer } = JSON.parse(answer.body) as { customer: { name: unknown } }
          expect(customer.name).toEqual(name)
        } else {
          expect([400, 413]).toContain(answer.status)
          expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'INVALID_INPUT' } })
        }
      }),
      { numRuns: 150 },
    )
  })

  it('valid and hostile routes with foreign, forged or missing tokens never reach tenant data or a 5xx', async () => {
    const port = serverPort()
    // One marked customer per tenant: any reply carrying a marker has read that tenant's rows.
    const marker: Record<Tenant, string> = { fuzz: 'marker-fuzz-row', other: 'marker-other-row' }
    for (const tenant of TENANTS) {
      await t.tenancy.withTenant(tenant, () => t.tenancy.models.Customer.create({ name: marker[tenant], email: `${marker[tenant]}@example.test` }))
    }
    const issued: Record<Tenant, string> = { fuzz: await loginAs('fuzz'), other: await loginAs('other') }
    const [otherPayload] = issued.other.split('.')
    const [, fuzzMac] = issued.fuzz.split('.')
    const tokens: Record<TokenKind, (junk: string) => string | undefined> = {
      none: () => undefined,
      fuzz: () => issued.fuzz,
      other: () => issued.other,
      // other's claims under fuzz's signature: a forgery of a real tenant's token.
      forged: () => `${otherPayload}.${fuzzMac}`,
      truncated: () => issued.fuzz.slice(0, -2),
      junk: (junk) => headerSafe(junk).replace(/\s/g, '') || 'x',
    }
    const tally = { ok: 0, refusedOnTenantRoute: 0, foreignOnTenantRoute: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/customers', '/api/orders'),
        fc.oneof(fc.constantFrom<Route>('fuzz', 'other', 'bare'), hostileString().map((host) => ({ host }))),
        fc.oneof(fc.constantFrom<Header>('fuzz', 'other', 'none'), hostileString().map((value) => ({ value }))),
        fc.constantFrom<TokenKind>('none', 'fuzz', 'other', 'forged', 'truncated', 'junk'),
        hostileString(),
        async (path, route, tenantHeader, tokenKind, junk) => {
          tried++
          const headers: Record<string, string> = {
            host: typeof route === 'string' ? (route === 'bare' ? `localhost:${port}` : `${route}.localhost:${port}`) : `${headerSafe(route.host) || 'x'}:${port}`,
          }
          if (tenantHeader === 'fuzz' || tenantHeader === 'other') headers['x-tenant'] = tenantHeader
          else if (typeof tenantHeader !== 'string' && headerSafe(tenantHeader.value)) headers['x-tenant'] = headerSafe(tenantHeader.value)
          const token = tokens[tokenKind](junk)
          if (token !== undefined) headers.authorization = `Bearer ${token}`
          const answer = await raw('GET', path, headers)
          expect(answer.status).toBeLessThan(500)
          const validFor: Tenant | undefined = tokenKind === 'fuzz' || tokenKind === 'other' ? tokenKind : undefined
          const leaked = TENANTS.filter((tenant) => answer.body.includes(marker[tenant]) && tenant !== validFor)
          expect(leaked, `${JSON.stringify(headers)} ${path} → ${answer.status} ${answer.body.slice(0, 200)}`).toEqual([])
          if (answer.status < 300) {
            // Success needs the token of the very tenant whose rows come back.
            expect(validFor, `${JSON.stringify(headers)} → ${answer.status}`).toBeDefined()
            if (path === '/api/customers') expect(answer.body).toContain(marker[validFor as Tenant])
            tally.ok++
          }
          // Where the route names one real tenant unambiguously, the token alone decides.
          const routed = unambiguousTenant(route, tenantHeader)
          if (routed !== undefined) {
            expect(answer.status, `${JSON.stringify(headers)} token ${tokenKind}`).toBe(validFor === routed ? 200 : 401)
            if (validFor !== routed) tally.refusedOnTenantRoute++
            if (validFor !== undefined && validFor !== routed) tally.foreignOnTenantRoute++
          }
        },
      ),
      { numRuns: 300 },
    )
    // The property is only a proof if its interesting cases happened.
    expect(tally.ok).toBeGreaterThan(0)
    expect(tally.refusedOnTenantRoute).toBeGreaterThan(0)
    expect(tally.foreignOnTenantRoute).toBeGreaterThan(0)
  })
})

type Tenant = 'fuzz' | 'other'
const TENANTS: readonly Tenant[] = ['fuzz', 'other']
type Route = Tenant | 'bare' | { host: string }
type Header = Tenant | 'none' | { value: string }
type TokenKind = 'none' | Tenant | 'forged' | 'truncated' | 'junk'

/** The tenant a request is routed to when host and header leave no doubt; undefined otherwise. */
function unambiguousTenant(route: Route, header: Header): Tenant | undefined {
  const byHost = route === 'fuzz' || route === 'other' ? route : undefined
  const byHeader = header === 'fuzz' || header === 'other' ? header : undefined
  if (typeof header !== 'string' || typeof route !== 'string') return undefined
  if (byHost && (header === 'none' || byHeader === byHost)) return byHost
  if (route === 'bare' && byHeader) return byHeader
  return undefined
}

async function loginAs(tenant: Tenant): Promise<string> {
  const answer = await raw(
    'POST',
    '/api/login',
    { host: `${tenant}.localhost:${serverPort()}`, 'content-type': 'application/json' },
    JSON.stringify({ email: `admin@${tenant}.example`, password: `${tenant}-pass` }),
  )
  expect(answer.status).toBe(200)
  return (JSON.parse(answer.body) as { token: string }).token
}
