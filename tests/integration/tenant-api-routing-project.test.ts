import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../electron/main/auth/password.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import type { RoutingOptions } from '../../electron/main/project/project.ts'
import { RequestLog, type SchemataServer, createSchemataServer } from '../../electron/main/server/index.ts'
import { demoProject } from '../fixtures/demo-project.ts'
import { serverUnderTest } from '../fixtures/server-under-test.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { type Reply, send } from '../fixtures/http-send.ts'

/*
 * Routing is per project (schemata.config.json "routing"), over real HTTP on
 * real PostgreSQL: path-prefix routing /t/<schema>/api/… (django-tenants'
 * subfolder routing), the tenant header's name, and subdomain routing off.
 * The server reads the rules from the project; nothing else is configured.
 */

const dispatch: Dispatch = () => Promise.resolve<CallOutcome>({ ok: true, result: 'console' })

interface Site {
  t: TestDatabase
  server: SchemataServer
  port: number
  log: RequestLog
  tokens: Record<string, string>
}

async function open(routing: RoutingOptions): Promise<Site> {
  const target = serverUnderTest()
  const t = await createTestDatabase(target.adminUrl, {
    project: { ...demoProject, routing },
    ...(target.directAdminUrl ? { directAdminUrl: target.directAdminUrl } : {}),
  })
  // acme: its default domain; globex: only a domain elsewhere, so globex.localhost is a bare subdomain.
  for (const [schema, domains] of [['acme', ['acme.localhost']], ['globex', ['globex.example.test']]] as const) {
    await t.tenancy.createTenant({ name: `Tenant ${schema}`, schema, domains: [...domains] })
    const passwordHash = await hashPassword(`${schema}-pw`)
    await t.tenancy.withTenant(schema, async () => {
      await t.tenancy.models.User.create({ email: `admin@${schema}.example`, passwordHash })
      await t.tenancy.models.Customer.create({ name: `Customer of ${schema}`, email: `only@${schema}.example` })
    })
  }
  const log = new RequestLog(50)
  const server = await createSchemataServer({ tenancy: t.tenancy, dispatch, consoleToken: 'routing-project-test-token-0123456789', rendererDir: '/nonexistent', port: 0, requestLog: log })
  return { t, server, port: server.port, log, tokens: {} }
}

/** A site for the tests of one describe block: opened before them, closed after; read its fields inside a test. */
function useSite(routing: RoutingOptions): Site {
  let site: Site | undefined
  beforeAll(async () => {
    site = await open(routing)
  })
  afterAll(async () => {
    await site?.server.close()
    await site?.t.drop()
  })
  const opened = (): Site => {
    if (site === undefined) throw new Error('the site is not open yet')
    return site
  }
  return {
    get t() { return opened().t },
    get server() { return opened().server },
    get port() { return opened().port },
    get log() { return opened().log },
    get tokens() { return opened().tokens },
  }
}

function customersOf(r: Reply): string[] {
  return (r.json as { customers: { email: string }[] }).customers.map((c) => c.email)
}

describe('a project routing by path and by its own header, subdomains off', () => {
  const site = useSite({ subdomains: false, header: 'X-Customer', pathPrefix: true })

  it('/t/<schema>/api/… reaches that tenant on the bare host, and the log says by path', async () => {
    for (const schema of ['acme', 'globex']) {
      const r = await send(site.port, { path: `/t/${schema}/api/tenant` })
      expect(r.status, schema).toBe(200)
      expect(r.json).toEqual({ name: `Tenant ${schema}`, schema })
    }
    expect(site.log.recent(1)[0]).toMatchObject({ tenant: 'globex', via: 'path', path: '/t/globex/api/tenant' })
  })

  it('sign in and read through the path: a token works for its own tenant only', async () => {
    const login = await send(site.port, {
      method: 'POST',
      path: '/t/acme/api/login',
      body: JSON.stringify({ email: 'admin@acme.example', password: 'acme-pw' }),
    })
    expect(login.status).toBe(200)
    const token = (login.json as { token: string }).token
    const mine = await send(site.port, { path: '/t/acme/api/customers', headers: { authorization: `Bearer ${token}` } })
    expect(customersOf(mine)).toEqual(['only@acme.example'])
    const theirs = await send(site.port, { path: '/t/globex/api/customers', headers: { authorization: `Bearer ${token}` } })
    expect(theirs.status).toBe(401)
    expect(theirs.text).not.toContain('only@')
  })

  it('an unknown schema in the path → 404; a path, host or header naming another tenant → 400 naming the header', async () => {
    const unknown = await send(site.port, { path: '/t/nope/api/tenant' })
    expect(unknown.status).toBe(404)
    expect(unknown.json).toMatchObject({ error: { code: 'TENANT_NOT_FOUND', message: expect.stringContaining('/t/nope/') as string } })
    const byHeader = await send(site.port, { path: '/t/acme/api/tenant', headers: { 'x-customer': 'globex' } })
    expect(byHeader.status).toBe(400)
    expect(byHeader.json).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'x-customer' } })
    const byHost = await send(site.port, { path: '/t/globex/api/tenant', host: `acme.localhost:${site.port}` })
    expect(byHost.status).toBe(400)
    expect(byHost.json).toMatchObject({ error: { message: expect.stringMatching(/host "acme.localhost" names tenant "acme" but path \/t\/globex\//) as string } })
    // Agreeing sources are fine.
    expect((await send(site.port, { path: '/t/acme/api/tenant', host: `acme.localhost:${site.port}`, headers: { 'x-customer': 'acme' } })).status).toBe(200)
  })

  it('the project’s header name routes; X-Tenant means nothing here', async () => {
    const r = await send(site.port, { path: '/api/tenant', headers: { 'x-customer': 'globex' } })
    expect(r.json).toEqual({ name: 'Tenant globex', schema: 'globex' })
    const old = await send(site.port, { path: '/api/tenant', headers: { 'x-tenant': 'globex' } })
    expect(old.status).toBe(404)
    expect(old.json).toMatchObject({ error: { code: 'TENANT_NOT_FOUND', message: expect.stringContaining('X-Customer header, or the path /t/<schema>/api/') as string } })
  })

  it('with subdomains off, a registered domain still routes but a bare <schema>.localhost is not served', async () => {
    expect((await send(site.port, { path: '/api/tenant', host: `acme.localhost:${site.port}` })).json).toEqual({ name: 'Tenant acme', schema: 'acme' })
    const bare = await send(site.port, { path: '/api/tenant', host: `globex.localhost:${site.port}` })
    expect(bare.status).toBe(421)
    expect(bare.text).not.toContain('Tenant globex')
  })

  it('/t/<schema>/ outside the API is not a tenant route', async () => {
    const r = await send(site.port, { path: '/t/acme/api-docs' })
    expect(r.text).not.toContain('Tenant acme')
    expect(r.json).not.toMatchObject({ schema: 'acme' })
  })
})

describe('a project with the default routing', () => {
  const site = useSite({ subdomains: true, header: 'X-Tenant', pathPrefix: false })

  it('subdomains and X-Tenant route; /t/<schema>/api/… is not a tenant path', async () => {
    expect((await send(site.port, { path: '/api/tenant', host: `globex.localhost:${site.port}` })).json).toEqual({ name: 'Tenant globex', schema: 'globex' })
    expect((await send(site.port, { path: '/api/tenant', headers: { 'x-tenant': 'acme' } })).json).toEqual({ name: 'Tenant acme', schema: 'acme' })
    for (const host of [`localhost:${site.port}`, `acme.localhost:${site.port}`]) {
      const r = await send(site.port, { path: '/t/acme/api/tenant', host })
      expect(r.status, host).not.toBe(200)
      expect(r.text).not.toContain('Tenant acme')
    }
  })
})
