import { mkdtemp, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../electron/main/auth/password.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { RequestLog, type SchemataServer, createSchemataServer } from '../../electron/main/server/index.ts'
import { SERVER_SECRETS_FILE, loadServerSecrets } from '../../electron/main/server/server-secrets.ts'
import { type Reply, send } from '../fixtures/http-send.ts'
import { serverUnderTest } from '../fixtures/server-under-test.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * Issue 10, item 3: a tenant API token names the tenant by its identity and
 * the user by id and token version, and each request checks them against the
 * database: a token outlives neither its tenant, nor its user, nor a sign-out.
 * The signing secret survives a restart of the server and can be rotated.
 * Real HTTP against a real server on real PostgreSQL.
 */
const noDispatch: Dispatch = () => Promise.resolve<CallOutcome>({ ok: false, error: { code: 'NOT_FOUND', message: 'no RPC in this test' } })
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

let t: TestDatabase
let dataDir: string

async function startServer(options: { newTokenSecret?: boolean } = {}): Promise<SchemataServer> {
  const secrets = await loadServerSecrets(dataDir, options)
  return createSchemataServer({
    tenancy: t.tenancy,
    dispatch: noDispatch,
    rendererDir: '/nonexistent',
    port: 0,
    tokenSecret: secrets.tokenSecret,
    consoleToken: secrets.consoleToken,
    requestLog: new RequestLog(),
  })
}

async function addUser(schema: string, email: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password)
  await t.tenancy.withTenant(schema, () => t.tenancy.models.User.create({ email, passwordHash }))
}

function api(server: SchemataServer, schema: string, method: string, route: string, token?: string, body?: unknown): Promise<Reply> {
  return send(server.port, {
    method,
    path: route,
    host: `${schema}.localhost:${server.port}`,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

async function signIn(server: SchemataServer, schema: string, email: string, password: string): Promise<string> {
  const r = await api(server, schema, 'POST', '/api/login', undefined, { email, password })
  expect(r.status, r.text).toBe(200)
  return (r.json as { token: string }).token
}

beforeAll(async () => {
  const target = serverUnderTest()
  t = await createTestDatabase(target.adminUrl, { login: 'admin', ...(target.directAdminUrl ? { directAdminUrl: target.directAdminUrl } : {}) })
  await t.tenancy.resolver.listen()
  dataDir = await mkdtemp(path.join(repoRoot, '.test-data', 'tokens-'))
  for (const schema of ['acme', 'globex']) {
    await t.tenancy.createTenant({ name: schema, schema })
    await addUser(schema, `pat@${schema}.example`, `${schema}-secret`)
  }
})
afterAll(async () => {
  await t?.drop()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('a token is checked against the database on every request', () => {
  let server: SchemataServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server?.close())

  it('a token of a tenant that was dropped and created again under the same schema name is refused (401), read and write', async () => {
    const token = await signIn(server, 'globex', 'pat@globex.example', 'globex-secret')
    expect((await api(server, 'globex', 'GET', '/api/customers', token)).status).toBe(200)
    await t.tenancy.dropTenant('globex')
    await t.tenancy.createTenant({ name: 'Globex reborn', schema: 'globex' })
    // Same schema, same role name, and even a user with the same id and email: a new tenant all the same.
    await addUser('globex', 'pat@globex.example', 'another-secret')
    const read = await api(server, 'globex', 'GET', '/api/customers', token)
    expect(read.status).toBe(401)
    expect(read.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    const write = await api(server, 'globex', 'POST', '/api/customers', token, { name: 'Ghost', email: 'ghost@globex.example' })
    expect(write.status).toBe(401)
    expect(await t.tenancy.withTenant('globex', () => t.tenancy.models.Customer.count())).toBe(0)
  })

  it('a deleted user’s token is refused (401)', async () => {
    await addUser('acme', 'gone@acme.example', 'gone-secret')
    const token = await signIn(server, 'acme', 'gone@acme.example', 'gone-secret')
    await t.tenancy.withTenant('acme', () => t.tenancy.models.User.destroy({ where: { email: 'gone@acme.example' } }))
    expect((await api(server, 'acme', 'GET', '/api/orders', token)).status).toBe(401)
  })

  it('a disabled user’s token is refused (401), and it cannot sign in again (403)', async () => {
    await addUser('acme', 'off@acme.example', 'off-secret')
    const token = await signIn(server, 'acme', 'off@acme.example', 'off-secret')
    await t.tenancy.withTenant('acme', () => t.tenancy.models.User.update({ disabledAt: new Date() }, { where: { email: 'off@acme.example' } }))
    expect((await api(server, 'acme', 'GET', '/api/customers', token)).status).toBe(401)
    const again = await api(server, 'acme', 'POST', '/api/login', undefined, { email: 'off@acme.example', password: 'off-secret' })
    expect(again.status).toBe(403)
    expect(again.json).toMatchObject({ error: { code: 'FORBIDDEN' } })
    // The wrong password still gets the plain 401: only someone who knows the password learns it is disabled.
    expect((await api(server, 'acme', 'POST', '/api/login', undefined, { email: 'off@acme.example', password: 'nope' })).status).toBe(401)
  })

  it('a suspended tenant’s token is refused (403) and works again on resume', async () => {
    const token = await signIn(server, 'acme', 'pat@acme.example', 'acme-secret')
    await t.tenancy.setStatus('acme', 'suspended')
    try {
      const r = await api(server, 'acme', 'GET', '/api/customers', token)
      expect(r.status).toBe(403)
      expect(r.json).toMatchObject({ error: { code: 'TENANT_SUSPENDED' } })
    } finally {
      await t.tenancy.setStatus('acme', 'active')
    }
    expect((await api(server, 'acme', 'GET', '/api/customers', token)).status).toBe(200)
  })

  it('sign-out revokes every token of that user, and only of that user; signing in again works', async () => {
    await addUser('acme', 'other@acme.example', 'other-secret')
    const first = await signIn(server, 'acme', 'pat@acme.example', 'acme-secret')
    const second = await signIn(server, 'acme', 'pat@acme.example', 'acme-secret')
    const colleague = await signIn(server, 'acme', 'other@acme.example', 'other-secret')
    const out = await api(server, 'acme', 'POST', '/api/logout', first)
    expect(out.status).toBe(200)
    expect(out.json).toEqual({ signedOut: true })
    expect((await api(server, 'acme', 'GET', '/api/customers', first)).status).toBe(401)
    expect((await api(server, 'acme', 'GET', '/api/customers', second)).status).toBe(401)
    expect((await api(server, 'acme', 'POST', '/api/logout', first)).status).toBe(401)
    expect((await api(server, 'acme', 'GET', '/api/customers', colleague)).status).toBe(200)
    const fresh = await signIn(server, 'acme', 'pat@acme.example', 'acme-secret')
    expect((await api(server, 'acme', 'GET', '/api/customers', fresh)).status).toBe(200)
  })
})

describe('the signing secret', () => {
  it('survives a restart of the server (stored 0600 in the data directory), and rotating it signs everyone out', async () => {
    let server = await startServer()
    const token = await signIn(server, 'acme', 'pat@acme.example', 'acme-secret')
    const consoleToken = server.consoleToken
    await server.close()
    const info = await stat(path.join(dataDir, SERVER_SECRETS_FILE))
    expect(info.mode & 0o777).toBe(0o600)

    server = await startServer()
    try {
      expect((await api(server, 'acme', 'GET', '/api/customers', token)).status).toBe(200)
      expect(server.consoleToken).toBe(consoleToken)
    } finally {
      await server.close()
    }

    server = await startServer({ newTokenSecret: true })
    try {
      expect((await api(server, 'acme', 'GET', '/api/customers', token)).status).toBe(401)
      // Only the API secret was rotated: the console token stays.
      expect(server.consoleToken).toBe(consoleToken)
      const fresh = await signIn(server, 'acme', 'pat@acme.example', 'acme-secret')
      expect((await api(server, 'acme', 'GET', '/api/customers', fresh)).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})
