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
  const passwordHash = await hashPassword('fuzz-pass')
  await t.tenancy.withTenant('fuzz', () => t.tenancy.models.User.create({ email: 'admin@fuzz.example', passwordHash, role: 'admin' }))
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

describe('hostile input to every contract call', () => {
  it.each(CALL_NAMES.filter((name) => !DESTRUCTIVE.has(name)))('%s never crashes', async (name) => {
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

  it('hostile Host and X-Tenant headers and paths never reach tenant data or a 5xx', async () => {
    const port = serverPort()
    await fc.assert(
      fc.asyncProperty(hostileString(), hostileString(), hostileString(), async (host, header, path) => {
        tried++
        const headers: Record<string, string> = { host: `${headerSafe(host) || 'x'}:${port}` }
        if (headerSafe(header)) headers['x-tenant'] = headerSafe(header)
        const answer = await raw('GET', `/api/${encodeURIComponent(path)}`, headers)
        expect(answer.status).toBeLessThan(500)
        // Without a valid token no customer row can come back, whatever the routing says.
        expect(answer.body).not.toContain('"customers"')
      }),
      { numRuns: 200 },
    )
  })
})
