import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import type { SchemataError } from '../../electron/main/errors.ts'
import { TenantSessions } from '../../electron/main/tenancy/tenant-sessions.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * SQL text the app did not write runs in a session that IS the tenant: these
 * are the escapes an attacker typing into the SQL console would try, each
 * refused by PostgreSQL itself — on the embedded PostgreSQL 18 and on an
 * external PostgreSQL 15, with the app logged in as a least-privilege admin
 * (CREATEROLE, owner of the database), as it is in production.
 */
const servers = [
  { label: 'embedded PostgreSQL', url: () => inject('embeddedAdminUrl'), superuser: () => inject('embeddedAdminUrl'), skip: '' },
  {
    label: 'external PostgreSQL',
    url: () => inject('externalAdminUrl'),
    superuser: () => inject('externalSuperuserUrl'),
    skip: inject('externalSkipReason'),
  },
]

async function superuserQuery<T extends pg.QueryResultRow>(superuserUrl: string, database: string, sql: string): Promise<T[]> {
  const url = new URL(superuserUrl)
  url.pathname = `/${database}`
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

async function refusal(promise: Promise<unknown>): Promise<SchemataError & { sqlState?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as SchemataError & { sqlState?: string },
  )
  if (error === undefined) throw new Error('expected PostgreSQL to refuse this, and it ran')
  return error
}

describe.each(servers)('tenant sessions on $label', ({ url, superuser, skip }) => {
  let t: TestDatabase
  let sessions: TenantSessions
  const role: Record<string, string> = {}

  beforeAll(async () => {
    if (skip) return
    t = await createTestDatabase(url(), { login: 'admin', poolMax: 3 })
    for (const schema of ['acme', 'globex', 'initech', 'hooli', 'umbrella']) {
      const tenant = await t.tenancy.createTenant({ name: schema, schema })
      role[schema] = tenant.role
      await t.tenancy.withTenant(schema, () => t.tenancy.models.Customer.create({ name: `${schema}-first`, email: `a@${schema}.example` }))
    }
    // dblink installed by the DBA, usable by everyone: a tenant must still not reach another login with it.
    if (!superuser()) throw new Error('installing dblink takes a superuser: set SCHEMATA_TEST_EXTERNAL_SUPERUSER_URL (.ci/run does)')
    await superuserQuery(superuser(), t.name, 'CREATE SCHEMA ext; CREATE EXTENSION dblink SCHEMA ext; GRANT USAGE ON SCHEMA ext TO PUBLIC')
    sessions = new TenantSessions(t.db, { maxConnections: 2 })
  })
  afterAll(async () => {
    await sessions?.close()
    await t?.drop()
  })

  it.skipIf(skip)('the session is logged in as the tenant role itself, on its own schema, not as the app', async () => {
    const result = await sessions.run('acme', "SELECT session_user, current_user, current_setting('search_path'), name FROM customers")
    expect(result.rows).toEqual([[role.acme, role.acme, 'acme,public,pg_temp', 'acme-first']])
    expect(result.fields.map((f) => f.name)).toEqual(['session_user', 'current_user', 'current_setting', 'name'])
    const [me] = await t.db.rows<{ rolsuper: boolean; rolcreaterole: boolean }>(
      'SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user',
    )
    expect(me).toEqual({ rolsuper: false, rolcreaterole: true })
  })

  const escapes: [string, (r: Record<string, string>, login: string) => string, string, { readOnly?: boolean }?][] = [
    ['SET ROLE to the app login', (_, login) => `SET ROLE ${quoteIdent(login)}`, '42501'],
    ['SET ROLE to another tenant', (r) => `SET ROLE ${quoteIdent(r.globex as string)}`, '42501'],
    ['SET SESSION AUTHORIZATION to the app login', (_, login) => `SET SESSION AUTHORIZATION ${quoteIdent(login)}`, '42501'],
    ["set_config('role', <app login>)", (_, login) => `SELECT set_config('role', '${login}', false)`, '42501'],
    ["set_config('role', <other tenant>) inside a DO block", (r) => `DO $$BEGIN PERFORM set_config('role', '${r.globex}', true); END$$`, '42501'],
    ['RESET ROLE, then read another tenant', () => 'DO $$BEGIN RESET ROLE; PERFORM * FROM globex.customers; END$$', '42501'],
    ['reading another tenant by schema name', () => 'SELECT * FROM globex.customers', '42501'],
    ['reading the registry (public.tenants)', () => 'SELECT * FROM public.tenants', '42501'],
    ['reading the domains', () => 'SELECT * FROM public.domains', '42501'],
    ['reading the central ledger', () => 'SELECT * FROM public.tenant_migrations', '42501'],
    ["reading its own schema's ledger", () => 'SELECT * FROM acme.schemata_migrations', '42501'],
    ['COPY … TO PROGRAM', () => "COPY (SELECT 1) TO PROGRAM 'id'", '42501'],
    ['COPY … FROM PROGRAM', () => "COPY customers (name) FROM PROGRAM 'id'", '42501', { readOnly: false }],
    ['pg_read_file', () => "SELECT pg_read_file('/etc/passwd')", '42501'],
    ['lo_import (server file)', () => "SELECT lo_import('/etc/passwd')", '42501', { readOnly: false }],
    ['CREATE TEMP TABLE shadowing customers', () => 'CREATE TEMP TABLE customers (id int, name text, email text)', '42501', { readOnly: false }],
    ['CREATE TABLE in its own schema', () => 'CREATE TABLE acme.mine (id int)', '42501', { readOnly: false }],
    ['CREATE EXTENSION', () => 'CREATE EXTENSION pg_trgm', '42501', { readOnly: false }],
    ['writing in a read-only statement', () => "INSERT INTO customers (name, email) VALUES ('x', 'x@x.example')", '25006'],
    ['SET TRANSACTION READ WRITE in a read-only statement', () => 'SET TRANSACTION READ WRITE', '25001'],
    ['a script of two statements (one COMMITs ours)', () => "COMMIT; INSERT INTO customers (name, email) VALUES ('x', 'x@x.example')", '42601'],
  ]

  it.skipIf(skip).each(escapes)('refuses: %s', async (_label, sql, sqlState, options) => {
    const error = await refusal(sessions.run('acme', sql(role, t.login), options ?? {}))
    expect({ code: error.code, sqlState: error.sqlState }).toEqual({ code: 'SQL_ERROR', sqlState })
  })

  it.skipIf(skip)('dblink cannot reach the app login (no password, and the tenant has none to give)', async () => {
    const target = new URL(t.url)
    const sql = `SELECT * FROM ext.dblink('host=${target.hostname} port=${target.port} dbname=${t.name} user=${t.login}', 'SELECT current_user') AS x(u text)`
    const error = await refusal(sessions.run('acme', sql))
    expect(error.code).toBe('SQL_ERROR')
    expect(error.message).toMatch(/password|authentication/i)
  })

  it.skipIf(skip)('nothing a statement does to its session reaches the next one: role, search_path, timeout, LISTEN', async () => {
    await sessions.run('acme', 'RESET ROLE')
    await sessions.run('acme', "SELECT set_config('search_path', 'globex, public', false)")
    await sessions.run('acme', 'SET statement_timeout = 0')
    await sessions.run('acme', 'LISTEN schemata_registry')
    await sessions.run('acme', 'PREPARE leftover AS SELECT 1')
    const after = await sessions.run(
      'acme',
      "SELECT current_user, current_setting('search_path'), current_setting('statement_timeout'), (SELECT count(*) FROM pg_listening_channels()), (SELECT count(*) FROM pg_prepared_statements), (SELECT string_agg(name, ',') FROM customers)",
    )
    expect(after.rows).toEqual([[role.acme, 'acme,public,pg_temp', '30s', '0', '0', 'acme-first']])
  })

  it.skipIf(skip)("a tenant's NOTIFY on the registry channel changes no routing", async () => {
    await sessions.run('acme', "NOTIFY schemata_registry, 'tenants'")
    await sessions.run('acme', "SELECT pg_notify('schemata_registry', 'domains')")
    expect(await t.tenancy.resolve({ host: 'globex.localhost' })).toMatchObject({ ok: true, schema: 'globex' })
    expect(await t.tenancy.resolve({ host: 'acme.localhost' })).toMatchObject({ ok: true, schema: 'acme' })
  })

  it.skipIf(skip)('writes only when asked, and then as the tenant in its own schema', async () => {
    const written = await sessions.run('acme', "INSERT INTO customers (name, email) VALUES ('typed', 'typed@acme.example') RETURNING name", {
      readOnly: false,
    })
    expect(written).toMatchObject({ command: 'INSERT', rowCount: 1, rows: [['typed']] })
    const globex = await t.tenancy.withTenant('globex', () => t.tenancy.models.Customer.count())
    expect(globex).toBe(1)
  })

  it.skipIf(skip)('bind parameters are values, never SQL', async () => {
    const result = await sessions.run('acme', 'SELECT $1::text AS v', { params: ["'; DROP TABLE customers; --"] })
    expect(result.rows).toEqual([["'; DROP TABLE customers; --"]])
  })

  it.skipIf(skip)('statement_timeout always applies, even to a statement that turns its own off', async () => {
    const plain = await refusal(sessions.run('acme', 'SELECT pg_sleep(10)', { timeoutMs: 300 }))
    expect(plain.code).toBe('TIMEOUT')
    const sly = await refusal(
      sessions.run('acme', "DO $$BEGIN PERFORM set_config('statement_timeout', '0', true); PERFORM pg_sleep(10); END$$", { timeoutMs: 300 }),
    )
    expect(sly.code).toBe('TIMEOUT')
    // The connection is still good for the next statement.
    expect((await sessions.run('acme', 'SELECT 1')).rows).toEqual([['1']])
  })

  it.skipIf(skip)('cancel stops the statement in PostgreSQL, and the session stays usable', async () => {
    const abort = new AbortController()
    const running = sessions.run('acme', 'SELECT pg_sleep(30)', { signal: abort.signal })
    running.catch(() => undefined)
    const activeSleep = (): Promise<{ pid: number; state: string }[]> =>
      t.db.rows<{ pid: number; state: string }>(
        "SELECT pid, state FROM pg_stat_activity WHERE usename = $1 AND query = 'SELECT pg_sleep(30)' AND state = 'active'",
        [role.acme],
      )
    let seen: { pid: number }[] = []
    for (let i = 0; i < 200 && seen.length === 0; i++) {
      seen = await activeSleep()
      if (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(seen).toHaveLength(1)
    abort.abort()
    const error = await refusal(running)
    expect(error.code).toBe('CANCELLED')
    // PostgreSQL itself stopped it: the backend is no longer running the sleep.
    expect(await activeSleep()).toEqual([])
    const [backend] = await t.db.rows<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [seen[0]?.pid])
    expect(backend?.state).toBe('idle')
    expect((await sessions.run('acme', 'SELECT 2')).rows).toEqual([['2']])
  })

  it.skipIf(skip)('fans out over many tenants with at most maxConnections sessions open, each as its own tenant', async () => {
    let peak = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const [row] = await t.db.rows<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'schemata tenant session'",
        )
        peak = Math.max(peak, Number(row?.n ?? 0))
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    const schemas = ['acme', 'globex', 'initech', 'hooli', 'umbrella', 'nobody']
    const seen: string[] = []
    const outcomes = await sessions.runEach(schemas, 'SELECT current_user, (SELECT min(name) FROM customers), pg_sleep(0.2)::text', {
      onOutcome: (outcome) => seen.push(outcome.schema),
    })
    sampling = false
    await sampler
    expect(peak).toBeGreaterThan(0)
    expect(peak).toBeLessThanOrEqual(2)
    expect(sessions.size).toBeLessThanOrEqual(2)
    expect(seen.sort()).toEqual([...schemas].sort())
    for (const outcome of outcomes.slice(0, 5)) {
      expect(outcome.ok).toBe(true)
      if (outcome.ok) expect(outcome.result.rows[0]?.slice(0, 2)).toEqual([role[outcome.schema], `${outcome.schema}-first`])
    }
    expect(outcomes[5]).toMatchObject({ schema: 'nobody', ok: false, error: { code: 'TENANT_NOT_FOUND' } })
  })

  it.skipIf(skip)('a suspended tenant is refused; a dropped tenant loses its open sessions', async () => {
    await t.tenancy.setStatus('umbrella', 'suspended')
    expect((await refusal(sessions.run('umbrella', 'SELECT 1'))).code).toBe('TENANT_SUSPENDED')
    await t.tenancy.setStatus('umbrella', 'active')

    const own = new TenantSessions(t.db, { maxConnections: 1 })
    try {
      await own.run('hooli', 'SELECT 1')
      expect((await t.db.rows('SELECT pid FROM pg_stat_activity WHERE usename = $1', [role.hooli])).length).toBeGreaterThan(0)
      await t.tenancy.dropTenant('hooli')
      expect(await t.db.rows('SELECT pid FROM pg_stat_activity WHERE usename = $1', [role.hooli])).toEqual([])
      expect((await refusal(own.run('hooli', 'SELECT 1'))).code).toBe('TENANT_NOT_FOUND')
    } finally {
      await own.close()
    }
  })

  it.skipIf(skip)('tenant roles cannot log in once the sessions are closed', async () => {
    const own = new TenantSessions(t.db)
    await own.run('initech', 'SELECT 1')
    const canLogin = async (): Promise<boolean | undefined> =>
      (await t.db.rows<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role.initech]))[0]?.rolcanlogin
    expect(await canLogin()).toBe(true)
    await own.close()
    await sessions.close()
    expect(await canLogin()).toBe(false)
    sessions = new TenantSessions(t.db, { maxConnections: 2 })
  })

  it.skipIf(skip)("the app's pooled connections are untouched: the admin login, default search_path, no tenant role", async () => {
    await sessions.run('acme', 'RESET ROLE')
    await sessions.run('acme', "SELECT set_config('search_path', 'globex', false)")
    const seen = await Promise.all(
      Array.from({ length: 3 }, () =>
        t.db.transaction(async (tx) => {
          const rows = await tx.rows<{ cu: string; su: string; sp: string }>(
            "SELECT current_user AS cu, session_user AS su, current_setting('search_path') AS sp",
          )
          // Held until all three run, so they are three different pooled connections.
          await new Promise((resolve) => setTimeout(resolve, 50))
          return rows[0]
        }),
      ),
    )
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ cu: t.login, su: t.login, sp: '"$user", public' })))
    expect(await t.tenancy.withTenant('acme', () => t.tenancy.models.Customer.count())).toBe(2)
  })
})
