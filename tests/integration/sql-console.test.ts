import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import type { CallName, ContractEvents, EventName } from '../../contract/contract.ts'
import type { FanOutEvent, FanOutSummary, SqlCatalog, SqlPage, SqlRunResult } from '../../contract/sql-console.ts'
import type { ErrorEnvelope } from '../../contract/types.ts'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import type { CallContext, Dispatch, WindowSession } from '../../electron/main/handlers/dispatch-types.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * The SQL console through its contract calls (the dispatcher, as IPC and HTTP
 * call it), against a real PostgreSQL with the app logged in as a
 * least-privilege admin, as in production. Typed SQL must run as the tenant
 * and nothing typed may reach past it.
 */

interface Window {
  session: WindowSession
  context: CallContext
  events: FanOutEvent[]
}

let t: TestDatabase
let dispatch: Dispatch
let store: SessionStore
const role: Record<string, string> = {}
const unexpected: unknown[] = []
let runs = 0

function openWindow(id: string, tenant: string | null = 'acme'): Window {
  const session = store.open(id)
  session.activeTenant = tenant
  const events: FanOutEvent[] = []
  return {
    session,
    events,
    context: {
      session,
      emit: <E extends EventName>(event: E, payload: ContractEvents[E]) => {
        if (event === 'sql/fan-out') events.push(payload as FanOutEvent)
      },
      broadcast: () => undefined,
    },
  }
}

async function ok<R>(window: Window, name: CallName, input: unknown): Promise<R> {
  const outcome = await dispatch(name, input, window.context)
  if (!outcome.ok) throw new Error(`${name} failed: ${JSON.stringify(outcome.error)}`)
  return outcome.result as R
}

async function fails(window: Window, name: CallName, input: unknown): Promise<ErrorEnvelope> {
  const outcome = await dispatch(name, input, window.context)
  if (outcome.ok) throw new Error(`${name} succeeded unexpectedly: ${JSON.stringify(outcome.result)}`)
  return outcome.error
}

function runId(): string {
  return `run-${++runs}`
}

/** `sql/run` in the window's tenant; the result (ok or a PostgreSQL refusal). */
function run(window: Window, sql: string, extra: Record<string, unknown> = {}): Promise<SqlRunResult> {
  return ok<SqlRunResult>(window, 'sql/run', { tenant: window.session.activeTenant, sql, runId: runId(), ...extra })
}

async function refused(window: Window, sql: string, extra: Record<string, unknown> = {}): Promise<{ sqlState?: string; code: string; message: string }> {
  const result = await run(window, sql, extra)
  if (result.ok) throw new Error(`expected PostgreSQL to refuse this, and it ran: ${sql}`)
  return result.error
}

async function asSuperuser(sql: string): Promise<void> {
  const url = new URL(inject('embeddedAdminUrl'))
  url.pathname = `/${t.name}`
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'), { login: 'admin' })
  store = new SessionStore()
  dispatch = createDispatcher(
    { tenancy: t.tenancy, target: { mode: 'external', url: t.url }, sessions: store },
    { logUnexpected: (name, error) => unexpected.push({ name, error }) },
  )
  for (const schema of ['acme', 'globex', 'initech']) {
    const tenant = await t.tenancy.createTenant({ name: schema, schema })
    role[schema] = tenant.role
    await t.tenancy.withTenant(schema, () => t.tenancy.models.Customer.create({ name: `${schema}-first`, email: `a@${schema}.example` }))
  }
  // dblink installed by the DBA for everyone: a tenant still must not reach another login with it.
  await asSuperuser('CREATE SCHEMA ext; CREATE EXTENSION dblink SCHEMA ext; GRANT USAGE ON SCHEMA ext TO PUBLIC')
})

afterAll(() => t?.drop())

afterEach(() => { expect(unexpected).toEqual([]) })

describe('one tenant', () => {
  it('runs as the tenant role itself, on its schema, with typed columns and NULL kept apart from ""', async () => {
    const w = openWindow('w-basic')
    const result = await run(
      w,
      "SELECT session_user AS su, current_user AS cu, current_setting('search_path') AS sp, 42::int AS n, 1.50::numeric(10,2) AS amount, NULL::text AS nothing, ''::text AS blank, true AS yes, '{\"a\":1}'::jsonb AS doc, name FROM customers",
    )
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.rows).toEqual([[role.acme, role.acme, 'acme,public,pg_temp', '42', '1.50', null, '', 't', '{"a": 1}', 'acme-first']])
    expect(result.columns.map((c) => [c.name, c.type, c.kind])).toEqual([
      ['su', 'name', 'text'],
      ['cu', 'name', 'text'],
      ['sp', 'text', 'text'],
      ['n', 'integer', 'number'],
      ['amount', 'numeric(10,2)', 'number'],
      ['nothing', 'text', 'text'],
      ['blank', 'text', 'text'],
      ['yes', 'boolean', 'boolean'],
      ['doc', 'jsonb', 'json'],
      ['name', 'text', 'text'],
    ])
    expect(result).toMatchObject({ command: 'SELECT', rowCount: 1, resultId: null, wrote: false })
  })

  it('is read-only unless write is asked, and a destructive write needs the tenant typed back', async () => {
    const w = openWindow('w-write')
    expect((await refused(w, "INSERT INTO customers (name, email) VALUES ('x', 'x@acme.example')")).sqlState).toBe('25006')
    const inserted = await run(w, "INSERT INTO customers (name, email) VALUES ('typed', 'typed@acme.example')", { write: true })
    expect(inserted).toMatchObject({ ok: true, command: 'INSERT', rowCount: 1, wrote: true })
    const refusal = await fails(w, 'sql/run', { tenant: 'acme', sql: "UPDATE customers SET name = 'all'", runId: runId(), write: true })
    expect(refusal).toMatchObject({ code: 'INVALID_INPUT', field: 'confirm' })
    expect(refusal.message).toMatch(/UPDATE without WHERE .*type the tenant's schema name "acme"/)
    const wrong = await fails(w, 'sql/run', { tenant: 'acme', sql: 'DELETE FROM customers', runId: runId(), write: true, confirm: 'globex' })
    expect(wrong.field).toBe('confirm')
    // Nothing ran: both rows are still there.
    expect(await t.tenancy.withTenant('acme', () => t.tenancy.models.Customer.count())).toBe(2)
    const deleted = await run(w, "DELETE FROM customers WHERE name = 'typed'", { write: true })
    expect(deleted).toMatchObject({ ok: true, command: 'DELETE', rowCount: 1 })
  })

  it('refuses empty SQL and several statements, naming the second, before anything runs', async () => {
    const w = openWindow('w-input')
    expect(await fails(w, 'sql/run', { tenant: 'acme', sql: '  -- nothing\n', runId: runId() })).toMatchObject({ code: 'INVALID_INPUT', field: 'sql' })
    const several = await fails(w, 'sql/run', { tenant: 'acme', sql: 'SELECT 1;\nDELETE FROM customers', runId: runId(), write: true, confirm: 'acme' })
    expect(several).toMatchObject({ code: 'INVALID_INPUT', field: 'sql' })
    expect(several.message).toMatch(/statement 2 starts at line 2, column 1 \("DELETE FROM customers"\)/)
    expect(await t.tenancy.withTenant('acme', () => t.tenancy.models.Customer.count())).toBe(1)
  })

  it("gives PostgreSQL's syntax error with its position, as an offset in the text sent", async () => {
    const w = openWindow('w-syntax')
    const sql = '-- first a comment\nSELECT * FORM customers'
    const error = await refused(w, sql)
    expect(error).toMatchObject({ code: 'SQL_ERROR', sqlState: '42601', message: 'syntax error at or near "FORM"' })
    expect((error as { offset?: number }).offset).toBe(sql.indexOf('FORM'))
  })

  it('reads a big result a page at a time ("load more"), then closes it', async () => {
    const w = openWindow('w-more')
    const first = await run(w, 'SELECT g FROM generate_series(1, 1234) g', { limit: 500 })
    expect(first.ok).toBe(true)
    if (!first.ok) return
    expect(first.rows).toHaveLength(500)
    expect(first.rows[499]).toEqual(['500'])
    expect(first.resultId).not.toBeNull()
    const second = await ok<SqlPage>(w, 'sql/more', { tenant: 'acme', resultId: first.resultId, limit: 500 })
    expect(second).toMatchObject({ more: true, rowCount: null })
    expect(second.rows[0]).toEqual(['501'])
    const third = await ok<SqlPage>(w, 'sql/more', { tenant: 'acme', resultId: first.resultId, limit: 500 })
    expect(third).toMatchObject({ more: false, rowCount: 1234 })
    expect(third.rows).toHaveLength(234)
    expect(third.rows[233]).toEqual(['1234'])
    expect(await fails(w, 'sql/more', { tenant: 'acme', resultId: first.resultId })).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('a new statement closes the open result, and its connection is not held', async () => {
    const w = openWindow('w-close')
    const first = await run(w, 'SELECT g FROM generate_series(1, 50) g', { limit: 10 })
    if (!first.ok) throw new Error('expected rows')
    await run(w, 'SELECT 1')
    expect(await fails(w, 'sql/more', { tenant: 'acme', resultId: first.resultId })).toMatchObject({ code: 'NOT_FOUND' })
    const again = await run(w, 'SELECT g FROM generate_series(1, 50) g', { limit: 10 })
    if (!again.ok || again.resultId === null) throw new Error('expected a held result')
    expect(await ok(w, 'sql/close', { tenant: 'acme', resultId: again.resultId })).toEqual({ closed: true })
  })

  it('cancel stops the statement in PostgreSQL', async () => {
    const w = openWindow('w-cancel')
    const id = runId()
    const running = ok<SqlRunResult>(w, 'sql/run', { tenant: 'acme', sql: 'SELECT pg_sleep(30)', runId: id })
    const sleeping = (): Promise<unknown[]> =>
      t.db.rows("SELECT pid FROM pg_stat_activity WHERE usename = $1 AND query = 'SELECT pg_sleep(30)' AND state = 'active'", [role.acme])
    for (let i = 0; i < 400 && (await sleeping()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
    expect(await sleeping()).toHaveLength(1)
    expect(await ok(w, 'sql/cancel', { runId: id })).toEqual({ cancelled: true })
    const result = await running
    expect(result).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
    expect(await sleeping()).toEqual([])
    expect(await ok(w, 'sql/cancel', { runId: id })).toEqual({ cancelled: false })
  })

  it('a statement running past its timeout is stopped', async () => {
    const w = openWindow('w-timeout')
    const error = await refused(w, 'SELECT pg_sleep(5)', { timeoutMs: 300 })
    expect(error.code).toBe('TIMEOUT')
  })

  it("refuses a call for another tenant than the window's (CONFLICT), and runs nothing", async () => {
    const w = openWindow('w-conflict', 'globex')
    expect(await fails(w, 'sql/run', { tenant: 'acme', sql: 'SELECT 1', runId: runId() })).toMatchObject({ code: 'CONFLICT' })
  })

  it("lists the tenant's tables and columns for completion, and nothing it cannot read", async () => {
    const catalog = await ok<SqlCatalog>(openWindow('w-catalog'), 'sql/catalog', { tenant: 'acme' })
    const names = catalog.tables.map((table) => `${table.schema}.${table.name}`)
    expect(names).toEqual(expect.arrayContaining(['acme.customers', 'acme.orders']))
    expect(names.some((name) => name.startsWith('globex.') || name === 'public.tenants' || name.endsWith('schemata_migrations'))).toBe(false)
    expect(catalog.tables.find((table) => table.name === 'customers')?.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['id', 'name', 'email']))
  })
})

describe('escapes from the tenant, through sql/run', () => {
  const escapes: [string, (r: Record<string, string>, login: string) => string, string, Record<string, unknown>?][] = [
    ['RESET ROLE, then read another tenant', () => 'DO $$BEGIN RESET ROLE; PERFORM * FROM globex.customers; END$$', '42501'],
    ['SET ROLE to the app login', (_, login) => `SET ROLE ${quoteIdent(login)}`, '42501'],
    ['SET ROLE to another tenant', (r) => `SET ROLE ${quoteIdent(r.globex as string)}`, '42501'],
    ['SET SESSION AUTHORIZATION to the app login', (_, login) => `SET SESSION AUTHORIZATION ${quoteIdent(login)}`, '42501'],
    ["set_config('role', <app login>)", (_, login) => `SELECT set_config('role', '${login}', false)`, '42501'],
    ["set_config('role', <other tenant>)", (r) => `SELECT set_config('role', '${r.globex}', true)`, '42501'],
    // PostgreSQL passes over a search_path schema the role may not use: the name resolves to nothing.
    ["set_config('search_path', …) then read another tenant", () => "DO $$BEGIN PERFORM set_config('search_path', 'globex, public', true); PERFORM * FROM customers; END$$", '42P01'],
    ["set_config('search_path', …) then read another tenant by name", () => "DO $$BEGIN PERFORM set_config('search_path', 'globex, public', true); PERFORM * FROM globex.customers; END$$", '42501'],
    ['COPY … TO PROGRAM', () => "COPY (SELECT 1) TO PROGRAM 'id'", '42501'],
    ['COPY … FROM PROGRAM', () => "COPY customers (name) FROM PROGRAM 'id'", '42501', { write: true }],
    ['CREATE TEMP TABLE shadowing customers', () => 'CREATE TEMP TABLE customers (id int, name text, email text)', '42501', { write: true }],
    ['reading public.tenants', () => 'SELECT * FROM public.tenants', '42501'],
    ['reading the central ledger', () => 'SELECT * FROM public.tenant_migrations', '42501'],
    ["reading its own schema's ledger", () => 'SELECT * FROM acme.schemata_migrations', '42501'],
    ['pg_read_file', () => "SELECT pg_read_file('/etc/passwd')", '42501'],
  ]

  it.each(escapes)('refuses: %s', async (_label, sql, sqlState, extra) => {
    const error = await refused(openWindow('w-escape'), sql(role, t.login), extra ?? {})
    expect({ code: error.code, sqlState: error.sqlState }).toEqual({ code: 'SQL_ERROR', sqlState })
  })

  it('dblink cannot log in as the app (no password to give)', async () => {
    const target = new URL(t.url)
    const sql = `SELECT * FROM ext.dblink('host=${target.hostname} port=${target.port} dbname=${t.name} user=${t.login}', 'SELECT current_user') AS x(u text)`
    const error = await refused(openWindow('w-dblink'), sql)
    expect(error.code).toBe('SQL_ERROR')
    expect(error.message).toMatch(/password|authentication/i)
  })

  it('a session-level search_path or role set by one statement is gone for the next', async () => {
    const w = openWindow('w-leftover')
    await run(w, "SELECT set_config('search_path', 'globex, public', false)")
    await run(w, 'RESET ROLE')
    const after = await run(w, 'SELECT current_user, (SELECT string_agg(name, \',\') FROM customers)')
    expect(after).toMatchObject({ ok: true, rows: [[role.acme, 'acme-first']] })
  })

  it("leaves the app's pooled connections untouched: the admin login, default search_path, no tenant role", async () => {
    const w = openWindow('w-pool')
    await run(w, 'RESET ROLE')
    await run(w, "SELECT set_config('search_path', 'globex', false)")
    const seen = await Promise.all(
      Array.from({ length: 3 }, () =>
        t.db.transaction(async (tx) => {
          const rows = await tx.rows<{ cu: string; su: string; sp: string }>("SELECT current_user AS cu, session_user AS su, current_setting('search_path') AS sp")
          await new Promise((resolve) => setTimeout(resolve, 50))
          return rows[0]
        }),
      ),
    )
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ cu: t.login, su: t.login, sp: '"$user", public' })))
  })
})

describe('every tenant (fan-out)', () => {
  it('merges rows under a tenant column, pushes progress, and reports a failing tenant without stopping the others', async () => {
    const w = openWindow('w-fan', null)
    const summary = await ok<FanOutSummary>(w, 'sql/fan-out', {
      sql: "SELECT current_user AS who, 10 / (CASE WHEN current_user LIKE '%globex' THEN 0 ELSE 1 END) AS ten, name FROM customers",
      runId: runId(),
      targets: { all: true },
    })
    expect(summary).toMatchObject({ total: 3, ok: 2, failed: 1, skipped: 0, cancelled: false })
    const columns = w.events.find((event) => event.columns)?.columns?.map((c) => c.name)
    expect(columns).toEqual(['who', 'ten', 'name'])
    const rows = w.events.flatMap((event) => event.rows)
    expect(rows.map((row) => row[0]).sort()).toEqual(['acme', 'initech'])
    for (const row of rows) expect(row[1]).toBe(role[row[0] as string])
    const reports = w.events.flatMap((event) => event.tenants)
    expect(reports.find((r) => r.schema === 'globex')).toMatchObject({ ok: false, error: { code: 'SQL_ERROR', sqlState: '22012' } })
    expect(reports.filter((r) => r.ok).map((r) => r.schema).sort()).toEqual(['acme', 'initech'])
    expect(w.events[w.events.length - 1]?.progress).toMatchObject({ total: 3, done: 3, failed: 1 })
  })

  it('a write in many tenants needs the previewed number confirmed, then runs one transaction per tenant', async () => {
    const w = openWindow('w-fan-write', null)
    const targets = { tenants: ['acme', 'globex'] }
    expect(await ok(w, 'sql/targets', { targets })).toEqual({ count: 2, sample: ['acme', 'globex'] })
    const sql = "INSERT INTO customers (name, email) VALUES ('fanned', 'fanned@example.com')"
    expect(await fails(w, 'sql/fan-out', { sql, runId: runId(), targets, write: true })).toMatchObject({ code: 'INVALID_INPUT', field: 'confirmTenants' })
    expect(await fails(w, 'sql/fan-out', { sql, runId: runId(), targets, write: true, confirmTenants: 3 })).toMatchObject({ code: 'CONFLICT' })
    const counts = async (): Promise<number[]> =>
      Promise.all(['acme', 'globex', 'initech'].map((s) => t.tenancy.withTenant(s, () => t.tenancy.models.Customer.count({ where: { name: 'fanned' } }))))
    expect(await counts()).toEqual([0, 0, 0])
    const summary = await ok<FanOutSummary>(w, 'sql/fan-out', { sql, runId: runId(), targets, write: true, confirmTenants: 2 })
    expect(summary).toMatchObject({ total: 2, ok: 2, failed: 0 })
    expect(await counts()).toEqual([1, 1, 0])
    const reports = w.events.flatMap((event) => event.tenants)
    expect(reports.map((r) => [r.schema, r.command, r.rowCount]).sort()).toEqual([
      ['acme', 'INSERT', 1],
      ['globex', 'INSERT', 1],
    ])
  })

  it('an unknown tenant or type is refused before anything runs', async () => {
    const w = openWindow('w-fan-bad', null)
    const unknown = await fails(w, 'sql/fan-out', { sql: 'SELECT 1', runId: runId(), targets: { tenants: ['acme', 'globx'] } })
    expect(unknown).toMatchObject({ code: 'INVALID_INPUT', field: 'tenants' })
    expect(unknown.message).toMatch(/"globx" \(did you mean "globex"\?\)/)
    const type = await fails(w, 'sql/fan-out', { sql: 'SELECT 1', runId: runId(), targets: { type: 'enterprise' } })
    expect(type).toMatchObject({ code: 'INVALID_INPUT', field: 'type' })
    expect(w.events).toEqual([])
  })

  it('cancel stops the running tenants in PostgreSQL and starts no more', async () => {
    const w = openWindow('w-fan-cancel', null)
    const id = runId()
    const running = ok<FanOutSummary>(w, 'sql/fan-out', { sql: 'SELECT pg_sleep(30)', runId: id, targets: { all: true }, concurrency: 1 })
    const sleeping = (): Promise<unknown[]> => t.db.rows("SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")
    for (let i = 0; i < 400 && (await sleeping()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
    expect(await ok(w, 'sql/cancel', { runId: id })).toEqual({ cancelled: true })
    const summary = await running
    expect(summary).toMatchObject({ total: 3, ok: 0, failed: 1, skipped: 2, cancelled: true })
    expect(await sleeping()).toEqual([])
  })
})
