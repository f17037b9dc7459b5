import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeJwt } from 'jose'
import { signApiToken, verifyApiToken } from '../../electron/main/auth/api-token.ts'
import { hashPassword } from '../../electron/main/auth/password.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { RequestLog, type SchemataServer, createSchemataServer } from '../../electron/main/server/index.ts'
import { serverUnderTest } from '../fixtures/server-under-test.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { type Reply, send } from '../fixtures/http-send.ts'

/*
 * Sign-in per tenant over real HTTP: each tenant's own users table, tokens
 * bound to the tenant, expiry, tampering, no hint about which emails exist,
 * and the failed-login rate limit.
 */

const noDispatch: Dispatch = () => Promise.resolve<CallOutcome>({ ok: false, error: { code: 'NOT_FOUND', message: 'no RPC in this test' } })
const SECRET = 'test-secret-of-at-least-16-bytes'
const SHARED_EMAIL = 'pat@shared.example'

let t: TestDatabase
let server: SchemataServer
let port: number
// A clock the tests move: token expiry and the rate-limit window run on it.
let clock = Date.parse('2030-01-01T00:00:00Z')

function host(schema: string): string {
  return `${schema}.localhost:${port}`
}

function login(schema: string, email: string, password: string, body?: string): Promise<Reply> {
  return send(port, { method: 'POST', path: '/api/login', host: host(schema), body: body ?? JSON.stringify({ email, password }) })
}

function customers(schema: string, token: string | undefined): Promise<Reply> {
  return send(port, { path: '/api/customers', host: host(schema), headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
}

function tokenOf(r: Reply): string {
  expect(r.status, r.text).toBe(200)
  return (r.json as { token: string }).token
}

beforeAll(async () => {
  const target = serverUnderTest()
  t = await createTestDatabase(target.adminUrl, target.directAdminUrl ? { directAdminUrl: target.directAdminUrl } : {})
  await t.tenancy.resolver.listen()
  const { Customer, User } = t.tenancy.models
  for (const schema of ['acme', 'globex', 'limited']) {
    await t.tenancy.createTenant({ name: `Tenant ${schema}`, schema })
    // The same email in every tenant, each with its own password.
    const passwordHash = await hashPassword(`${schema}-secret`)
    await t.tenancy.withTenant(schema, async () => {
      await User.create({ email: SHARED_EMAIL, passwordHash })
      await Customer.create({ name: `Customer of ${schema}`, email: `c@${schema}.example` })
    })
  }
  server = await createSchemataServer({
    tenancy: t.tenancy,
    dispatch: noDispatch,
    rendererDir: '/nonexistent',
    port: 0,
    tokenSecret: SECRET,
    tokenTtlSeconds: 600,
    now: () => clock,
    requestLog: new RequestLog(),
  })
  port = server.port
})

afterAll(async () => {
  await server?.close()
  await t?.drop()
})

describe('sign-in per tenant', () => {
  it('signs in against the tenant’s own users table and the token reads that tenant’s rows', async () => {
    const r = await login('acme', SHARED_EMAIL, 'acme-secret')
    const token = tokenOf(r)
    expect(Date.parse((r.json as { expiresAt: string }).expiresAt)).toBe(clock + 600_000)
    const data = await customers('acme', token)
    expect(data.status).toBe(200)
    expect(data.json).toEqual({ customers: [expect.objectContaining({ email: 'c@acme.example' })] })
  })

  it('the same email in two tenants has two passwords; each works in its own tenant only', async () => {
    tokenOf(await login('globex', SHARED_EMAIL, 'globex-secret'))
    const wrongTenant = await login('globex', SHARED_EMAIL, 'acme-secret')
    expect(wrongTenant.status).toBe(401)
    expect(wrongTenant.json).toEqual({ error: { code: 'UNAUTHORIZED', message: 'invalid email or password' } })
  })

  it('a token from acme is refused at globex with 401, for the same email, by host and by header', async () => {
    const acmeToken = tokenOf(await login('acme', SHARED_EMAIL, 'acme-secret'))
    const atGlobex = await customers('globex', acmeToken)
    expect(atGlobex.status).toBe(401)
    expect(atGlobex.headers['www-authenticate']).toBe('Bearer')
    expect(atGlobex.text).not.toContain('c@')
    const byHeader = await send(port, { path: '/api/orders', headers: { 'x-tenant': 'globex', authorization: `Bearer ${acmeToken}` } })
    expect(byHeader.status).toBe(401)
    const post = await send(port, {
      method: 'POST',
      path: '/api/customers',
      host: host('globex'),
      headers: { authorization: `Bearer ${acmeToken}` },
      body: JSON.stringify({ name: 'Intruder', email: 'x@y.example' }),
    })
    expect(post.status).toBe(401)
    const rows = await t.tenancy.withTenant('globex', () => t.tenancy.models.Customer.count({ where: { name: 'Intruder' } }))
    expect(rows).toBe(0)
  })

  it('an expired token → 401', async () => {
    const token = tokenOf(await login('acme', SHARED_EMAIL, 'acme-secret'))
    expect((await customers('acme', token)).status).toBe(200)
    clock += 600_000
    try {
      const r = await customers('acme', token)
      expect(r.status).toBe(401)
      expect(r.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    } finally {
      clock -= 600_000
    }
    // Also one signed with the right secret, for the right tenant and user, but already past its expiry.
    const claims = decodeJwt(token)
    const stale = await signApiToken(Buffer.from(SECRET), {
      tenant: 'acme',
      tenantId: String(claims.tid),
      userId: Number(claims.sub),
      email: SHARED_EMAIL,
      version: 0,
      issuedAt: Math.floor(clock / 1000) - 61,
      exp: Math.floor(clock / 1000) - 1,
    })
    expect((await customers('acme', stale)).status).toBe(401)
  })

  it('a tampered, foreign-secret, malformed or missing token → 401', async () => {
    const token = tokenOf(await login('acme', SHARED_EMAIL, 'acme-secret'))
    const [header, payload, mac] = token.split('.') as [string, string, string]
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
    // Re-point the payload at globex but keep acme's MAC.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
    const retargeted = `${header}.${encode({ ...claims, aud: 'schemata-tenant:globex' })}.${mac}`
    const extended = `${header}.${encode({ ...claims, exp: Number(claims.exp) + 86_400 })}.${mac}`
    const otherUser = `${header}.${encode({ ...claims, sub: '2' })}.${mac}`
    const flipped = `${header}.${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`
    // The classic JWT forgeries: no signature at all, and the alg switched to none.
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`
    const otherSecret = await signApiToken(Buffer.from('another-secret-of-16-bytes-or-more'), {
      tenant: 'acme',
      tenantId: String(claims.tid),
      userId: Number(claims.sub),
      email: SHARED_EMAIL,
      version: 0,
      issuedAt: Math.floor(clock / 1000),
      exp: claims.exp as number,
    })
    const cases: [string, Reply][] = [
      ['retargeted', await customers('globex', retargeted)],
      ['extended', await customers('acme', extended)],
      ['other user', await customers('acme', otherUser)],
      ['flipped', await customers('acme', flipped)],
      ['alg none', await customers('acme', unsigned)],
      ['other secret', await customers('acme', otherSecret)],
      ['garbage', await customers('acme', 'not-a-token')],
      ['missing', await customers('acme', undefined)],
    ]
    for (const [name, r] of cases) {
      expect(r.status, name).toBe(401)
      expect(r.json, name).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    }
    const basic = await send(port, { path: '/api/customers', host: host('acme'), headers: { authorization: 'Basic YTpi' } })
    expect(basic.status).toBe(401)
  })

  it('wrong password and unknown email get the identical 401, without a hint', async () => {
    const wrongPassword = await login('acme', SHARED_EMAIL, 'nope')
    const unknownEmail = await login('acme', 'nobody@shared.example', 'nope')
    expect(wrongPassword.status).toBe(401)
    expect(unknownEmail.status).toBe(401)
    expect(unknownEmail.text).toBe(wrongPassword.text)
    expect(unknownEmail.json).toEqual({ error: { code: 'UNAUTHORIZED', message: 'invalid email or password' } })
    expect(unknownEmail.headers['www-authenticate']).toBe(wrongPassword.headers['www-authenticate'])
  })

  it('an unknown email costs a password check too (no fast path that tells emails apart)', async () => {
    // Median of four runs each (four: the fifth attempt below must still be under the limit). scrypt dominates both; without the stand-in check an unknown email
    // would answer in a few ms against ~50 ms. A factor of four leaves room for a busy machine.
    const time = async (email: string): Promise<number> => {
      const samples: number[] = []
      for (let i = 0; i < 4; i++) {
        const started = performance.now()
        await login('globex', email, `wrong-${i}`)
        samples.push(performance.now() - started)
      }
      samples.sort((a, b) => a - b)
      return ((samples[1] ?? 0) + (samples[2] ?? 0)) / 2
    }
    // A successful sign-in first clears earlier failures of this key.
    tokenOf(await login('globex', SHARED_EMAIL, 'globex-secret'))
    const known = await time(SHARED_EMAIL)
    const unknown = await time('ghost@shared.example')
    expect(unknown).toBeGreaterThan(known / 4)
    expect(unknown).toBeLessThan(known * 4)
    // The successful sign-in below clears the failures this test just made.
    tokenOf(await login('globex', SHARED_EMAIL, 'globex-secret'))
  })

  it('rate-limits failed sign-ins per tenant and email: 429 with Retry-After, other keys unaffected, lifted after the window', async () => {
    for (let i = 0; i < 5; i++) expect((await login('limited', SHARED_EMAIL, `guess-${i}`)).status).toBe(401)
    const limited = await login('limited', SHARED_EMAIL, 'guess-6')
    expect(limited.status).toBe(429)
    expect(limited.json).toMatchObject({ error: { code: 'RATE_LIMITED' } })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60)
    // Even the right password waits: the limit is checked before any password is.
    expect((await login('limited', SHARED_EMAIL, 'limited-secret')).status).toBe(429)
    // Case and spacing do not make a new key.
    expect((await login('limited', ` ${SHARED_EMAIL.toUpperCase()} `, 'x')).status).toBe(429)
    // Another email in that tenant, and the same email in another tenant, are unaffected.
    expect((await login('limited', 'someone@else.example', 'x')).status).toBe(401)
    tokenOf(await login('acme', SHARED_EMAIL, 'acme-secret'))
    clock += 61_000
    tokenOf(await login('limited', SHARED_EMAIL, 'limited-secret'))
  })

  it('parallel guesses cannot slip past the limit', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login('limited', 'burst@shared.example', `g${i}`)))
    const statuses = results.map((r) => r.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(7)
  })
})

describe('input validation', () => {
  it('bad JSON or missing and wrong fields → 400 naming the field', async () => {
    const cases: [string | undefined, string][] = [
      ['{"email": "a@b.c",', 'body'],
      ['[1,2]', 'body'],
      ['"text"', 'body'],
      [undefined, 'body'],
      [JSON.stringify({ password: 'x' }), 'email'],
      [JSON.stringify({ email: 'a@b.example' }), 'password'],
      [JSON.stringify({ email: 42, password: 'x' }), 'email'],
      [JSON.stringify({ email: 'a@b.example', password: 'x', admin: true }), 'admin'],
    ]
    for (const [body, field] of cases) {
      const r = await send(port, { method: 'POST', path: '/api/login', host: host('acme'), ...(body === undefined ? {} : { body }) })
      expect(r.status, String(body)).toBe(400)
      expect(r.json, String(body)).toMatchObject({ error: { code: 'INVALID_INPUT', field } })
    }
    const token = tokenOf(await login('acme', SHARED_EMAIL, 'acme-secret'))
    const create = (body: string): Promise<Reply> =>
      send(port, { method: 'POST', path: '/api/customers', host: host('acme'), headers: { authorization: `Bearer ${token}` }, body })
    expect((await create(JSON.stringify({ name: '', email: 'a@b.example' }))).json).toMatchObject({ error: { field: 'name' } })
    expect((await create(JSON.stringify({ name: 'X', email: 'not-an-email' }))).json).toMatchObject({ error: { field: 'email' } })
    expect((await create(JSON.stringify({ name: 'X' }))).json).toMatchObject({ error: { field: 'email', message: 'email: is required' } })
    const created = await create(JSON.stringify({ name: '  New customer  ', email: 'new@acme.example' }))
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ customer: { name: 'New customer', email: 'new@acme.example' } })
  })

  it('a body over the limit → 413', async () => {
    const r = await send(port, { method: 'POST', path: '/api/login', host: host('acme'), body: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(70_000) }) })
    expect(r.status).toBe(413)
    expect(r.json).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'body' } })
  })
})

describe('token primitives', () => {
  it('verifyApiToken accepts its own token for its tenant and nothing else', async () => {
    const secret = Buffer.from(SECRET)
    const exp = Math.floor(clock / 1000) + 60
    const claims = { tenant: 'acme', tenantId: '42', userId: 7, email: 'a@b.example', version: 3, issuedAt: exp - 60, exp }
    const token = await signApiToken(secret, claims)
    expect(await verifyApiToken(secret, token, { tenant: 'acme', nowMs: clock })).toMatchObject({
      tenant: 'acme',
      tenantId: '42',
      userId: 7,
      version: 3,
      exp,
      jti: expect.any(String) as string,
    })
    await expect(verifyApiToken(secret, token, { tenant: 'globex', nowMs: clock })).rejects.toThrow(/invalid or expired/)
    await expect(verifyApiToken(secret, token, { tenant: 'acme', nowMs: exp * 1000 })).rejects.toThrow(/invalid or expired/)
    await expect(verifyApiToken(secret, `${token}.x`, { tenant: 'acme', nowMs: clock })).rejects.toThrow(/invalid or expired/)
    // Two tokens for the same claims differ by their jti.
    expect(await signApiToken(secret, claims)).not.toBe(token)
  })
})
