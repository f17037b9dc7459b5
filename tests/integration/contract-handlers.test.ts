import { mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, inject, vi } from 'vitest'
import { isTenantCall, type CallName, type ContractEvents, type EventName } from '../../contract/contract.ts'
import type { ErrorEnvelope, MigrationEvent } from '../../contract/types.ts'
import { readDbStatus } from '../../electron/main/handlers/db-handlers.ts'
import type { CallContext, Dispatch, WindowSession } from '../../electron/main/handlers/dispatch-types.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * Every contract handler against a real PostgreSQL (the embedded server of
 * this test run), through the dispatcher exactly as IPC and HTTP call it.
 */

interface Window {
  session: WindowSession
  context: CallContext
  emitted: { event: EventName; payload: unknown }[]
}

let t: TestDatabase
let sessions: SessionStore
let dispatch: Dispatch
const unexpected: unknown[] = []
const broadcasts: { event: EventName; payload: unknown }[] = []

function openWindow(id: string): Window {
  const session = sessions.open(id)
  const emitted: Window['emitted'] = []
  return {
    session,
    emitted,
    context: {
      session,
      emit: <E extends EventName>(event: E, payload: ContractEvents[E]) => emitted.push({ event, payload }),
      broadcast: <E extends EventName>(event: E, payload: ContractEvents[E]) => broadcasts.push({ event, payload }),
    },
  }
}

/** A tenant call names the tenant it is meant for: the window's active one, as the console sends it (else any). */
function addressed(window: Window, name: CallName, input: unknown): unknown {
  if (!isTenantCall(name) || (typeof input === 'object' && input !== null && 'tenant' in input)) return input
  return { tenant: window.session.activeTenant ?? 'acme', ...(input as object) }
}

/** Calls through the dispatcher and returns the result; a failure fails the test with its envelope. */
async function ok<R = unknown>(window: Window, name: CallName, input: unknown = {}): Promise<R> {
  const outcome = await dispatch(name, addressed(window, name, input), window.context)
  if (!outcome.ok) throw new Error(`${name} failed: ${JSON.stringify(outcome.error)}`)
  return outcome.result as R
}

/** Calls through the dispatcher and returns the error envelope; a success fails the test. */
async function fails(window: Window, name: CallName, input: unknown = {}): Promise<ErrorEnvelope> {
  const outcome = await dispatch(name, addressed(window, name, input), window.context)
  if (outcome.ok) throw new Error(`${name} succeeded unexpectedly: ${JSON.stringify(outcome.result)}`)
  return outcome.error
}

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  sessions = new SessionStore()
  dispatch = createDispatcher(
    { tenancy: t.tenancy, target: { mode: 'external', url: t.url }, sessions },
    { logUnexpected: (name, error) => unexpected.push({ name, error }) },
  )
  const admin = openWindow('admin')
  for (const [name, schema] of [
    ['Acme Corporation', 'acme'],
    ['Globex Corporation', 'globex'],
  ] as const) {
    await ok(admin, 'tenants/create', { name, schema, domains: [`${schema}.example`] })
  }
})

afterAll(() => t?.drop())

afterEach(() => {
  // Every failure a test provokes must be one of ours (a code), never an INTERNAL with a stack logged in main.
  expect(unexpected).toEqual([])
  broadcasts.length = 0
})

describe('tenants', () => {
  it('lists tenants with their migration state, without internal role names', async () => {
    const list = await ok<Record<string, unknown>[]>(openWindow('w-list'), 'tenants/list')
    expect(list.map((tenant) => tenant.schema)).toEqual(['acme', 'globex'])
    expect(list[0]).toMatchObject({
      name: 'Acme Corporation',
      status: 'active',
      domains: ['acme.example'],
      appliedMigrations: tenantMigrations.length,
      pendingMigrations: [],
    })
    expect(list[0]).not.toHaveProperty('role')
    expect(typeof list[0]?.createdAt).toBe('string')
  })

  it('creates a tenant, broadcasts the change, and reports bad input by field', async () => {
    const w = openWindow('w-create')
    const created = await ok(w, 'tenants/create', { name: 'Initech', schema: 'initech' })
    expect(created).toEqual({
      name: 'Initech',
      schema: 'initech',
      type: 'standard',
      status: 'active',
      domains: ['initech.localhost'],
      createdAt: expect.any(String) as unknown,
    })
    expect(broadcasts).toEqual([{ event: 'tenants/changed', payload: { reason: 'created' } }])
    expect(await fails(w, 'tenants/create', { name: 'Again', schema: 'initech' })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'schema',
    })
    expect(await fails(w, 'tenants/create', { name: 'Bad', schema: 'Robert"); DROP TABLE tenants;--' })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'schema',
    })
    expect(await fails(w, 'tenants/create', { name: '  ', schema: 'blank_name' })).toMatchObject({ code: 'INVALID_INPUT', field: 'name' })
    await ok(w, 'tenants/drop', { schema: 'initech', confirm: 'initech' })
  })

  it('switches only to an existing, active tenant (fail closed)', async () => {
    const w = openWindow('w-switch')
    expect(await fails(w, 'tenants/switch', { schema: 'nobody' })).toMatchObject({ code: 'TENANT_NOT_FOUND' })
    expect(w.session.activeTenant).toBeNull()
    expect(await ok(w, 'tenants/active')).toEqual({ tenant: null })
    const switched = await ok<{ tenant: { schema: string } }>(w, 'tenants/switch', { schema: 'acme' })
    expect(switched.tenant.schema).toBe('acme')
    expect(w.session.activeTenant).toBe('acme')
    expect(await ok(w, 'tenants/active')).toMatchObject({ tenant: { schema: 'acme', name: 'Acme Corporation' } })
  })

  it('forgets an active tenant that was dropped behind the window’s back', async () => {
    const w = openWindow('w-ghost')
    w.session.activeTenant = 'ghost'
    expect(await ok(w, 'tenants/active')).toEqual({ tenant: null })
    expect(w.session.activeTenant).toBeNull()
  })

  it('suspends and resumes: a suspended tenant is refused in scope and cannot be switched to', async () => {
    const admin = openWindow('w-suspend-admin')
    const user = openWindow('w-suspend-user')
    await ok(user, 'tenants/switch', { schema: 'globex' })
    expect(await ok(admin, 'tenants/set-status', { schema: 'globex', status: 'suspended' })).toMatchObject({ status: 'suspended' })
    expect(broadcasts).toContainEqual({ event: 'tenants/changed', payload: { reason: 'status' } })
    expect(await fails(user, 'data/customers/list')).toMatchObject({ code: 'TENANT_SUSPENDED' })
    expect(await fails(admin, 'tenants/switch', { schema: 'globex' })).toMatchObject({ code: 'TENANT_SUSPENDED' })
    await ok(admin, 'tenants/set-status', { schema: 'globex', status: 'active' })
    expect(await ok(user, 'data/customers/list')).toEqual(expect.any(Array))
  })

  it('replaces domains and routes by them', async () => {
    const w = openWindow('w-domains')
    expect(await ok(w, 'tenants/set-domains', { schema: 'acme', domains: ['acme.example', 'shop.acme.example'] })).toMatchObject({
      domains: ['acme.example', 'shop.acme.example'],
    })
    expect(await fails(w, 'tenants/set-domains', { schema: 'globex', domains: ['shop.acme.example'] })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'domains',
    })
    expect(await ok(w, 'routing/resolve', { host: 'shop.acme.example:4780' })).toEqual({ ok: true, schema: 'acme', status: 'active', via: 'domain' })
    expect(await ok(w, 'routing/resolve', { header: 'globex' })).toMatchObject({ ok: true, schema: 'globex', via: 'header' })
    expect(await ok(w, 'routing/resolve', { host: 'globex.localhost' })).toMatchObject({ ok: true, schema: 'globex', via: 'subdomain' })
    expect(await ok(w, 'routing/resolve', { host: 'nobody.localhost' })).toMatchObject({ ok: false, reason: 'unknown' })
    expect(await ok(w, 'routing/resolve', { host: 'acme.example', header: 'globex' })).toMatchObject({ ok: false, reason: 'conflict' })
  })
})

describe('data calls run in the window’s tenant only', () => {
  it('refuses data and scope calls without an active tenant', async () => {
    const w = openWindow('w-none')
    for (const name of ['data/customers/list', 'data/orders/list', 'inspect/session'] as const) {
      expect(await fails(w, name), name).toMatchObject({ code: 'NO_ACTIVE_TENANT' })
    }
    expect(await fails(w, 'data/customers/create', { name: 'X', email: 'x@example.com' })).toMatchObject({ code: 'NO_ACTIVE_TENANT' })
    expect(await fails(w, 'inspect/probe-cross-tenant', { target: 'acme' })).toMatchObject({ code: 'NO_ACTIVE_TENANT' })
  })

  it('refuses a call meant for the tenant the window has switched away from (CONFLICT), writing nothing', async () => {
    const w = openWindow('w-moved')
    await ok(w, 'tenants/switch', { schema: 'globex' })
    const before = await ok<{ name: string }[]>(w, 'data/customers/list')
    // Sent while the window was on acme; it arrives after the switch to globex.
    for (const [name, input] of [
      ['data/customers/create', { tenant: 'acme', name: 'Meant For Acme', email: 'acme@example.com' }],
      ['data/customers/list', { tenant: 'acme' }],
      ['data/orders/list', { tenant: 'acme' }],
      ['inspect/session', { tenant: 'acme' }],
      ['inspect/probe-cross-tenant', { tenant: 'acme', target: 'globex' }],
    ] as const) {
      expect(await fails(w, name, input), name).toEqual({
        code: 'CONFLICT',
        field: 'tenant',
        message: 'this call was meant for tenant "acme", but the window has switched to "globex"',
      })
    }
    expect(await ok(w, 'data/customers/list')).toEqual(before)
    await ok(w, 'tenants/switch', { schema: 'acme' })
    expect((await ok<{ name: string }[]>(w, 'data/customers/list')).map((c) => c.name)).not.toContain('Meant For Acme')
  })

  it('after a switch, each window sees and changes only its tenant’s rows', async () => {
    const a = openWindow('w-acme')
    const g = openWindow('w-globex')
    await ok(a, 'tenants/switch', { schema: 'acme' })
    await ok(g, 'tenants/switch', { schema: 'globex' })

    const wile = await ok<{ id: number }>(a, 'data/customers/create', { name: ' Wile E. Coyote ', email: 'wile@desert.example' })
    const road = await ok<{ id: number }>(a, 'data/customers/create', { name: 'Road Runner', email: 'beep@desert.example' })
    const hank = await ok<{ id: number }>(g, 'data/customers/create', { name: 'Hank Scorpio', email: 'hank@globex.example' })
    expect(wile).toMatchObject({ name: 'Wile E. Coyote', email: 'wile@desert.example', createdAt: expect.any(String) as unknown })

    const acmeRows = await ok<{ name: string }[]>(a, 'data/customers/list')
    const globexRows = await ok<{ name: string }[]>(g, 'data/customers/list')
    expect(acmeRows.map((c) => c.name)).toEqual(['Wile E. Coyote', 'Road Runner'])
    expect(globexRows.map((c) => c.name)).toEqual(['Hank Scorpio'])
    expect(await ok<unknown[]>(a, 'data/customers/list', { search: 'RUNNER' })).toHaveLength(1)
    expect(await ok<unknown[]>(a, 'data/customers/list', { search: '%' })).toHaveLength(0)

    // Ids are per tenant: acme's second customer does not exist in globex, whatever the number.
    expect(await fails(g, 'data/orders/create', { customerId: road.id, amountCents: 100 })).toMatchObject({
      code: 'NOT_FOUND',
      field: 'customerId',
    })
    expect(await fails(g, 'data/customers/delete', { id: road.id })).toMatchObject({ code: 'NOT_FOUND', field: 'id' })

    const order = await ok<{ id: number }>(a, 'data/orders/create', { customerId: wile.id, amountCents: 129_900, status: 'paid' })
    expect(order).toMatchObject({ customerId: wile.id, customerName: 'Wile E. Coyote', amountCents: 129_900, status: 'paid' })
    await ok(g, 'data/orders/create', { customerId: hank.id, amountCents: 5 })
    expect(await ok(a, 'data/orders/list')).toEqual([
      expect.objectContaining({ id: order.id, customerName: 'Wile E. Coyote', status: 'paid' }) as unknown,
    ])
    expect(await ok(g, 'data/orders/list')).toEqual([expect.objectContaining({ customerName: 'Hank Scorpio', status: 'pending' }) as unknown])

    expect(await ok(a, 'data/orders/update', { id: order.id, status: 'shipped' })).toMatchObject({ status: 'shipped', amountCents: 129_900 })
    expect(await ok(a, 'data/customers/update', { id: wile.id, email: 'wile@acme.example' })).toMatchObject({
      name: 'Wile E. Coyote',
      email: 'wile@acme.example',
    })
    expect(await ok(a, 'data/customers/delete', { id: wile.id })).toEqual({ deleted: wile.id })
    // The order went with its customer (ON DELETE CASCADE).
    expect(await ok(a, 'data/orders/list')).toEqual([])
    expect(await fails(a, 'data/orders/delete', { id: order.id })).toMatchObject({ code: 'NOT_FOUND' })
    expect((await ok<unknown[]>(g, 'data/customers/list')).length).toBe(1)
  })

  it('validates names and emails with the field named', async () => {
    const a = openWindow('w-validate')
    await ok(a, 'tenants/switch', { schema: 'acme' })
    expect(await fails(a, 'data/customers/create', { name: 'X', email: 'not-an-email' })).toEqual({
      code: 'INVALID_INPUT',
      message: 'email: must be an email address like name@example.com',
      field: 'email',
    })
    expect(await fails(a, 'data/customers/create', { name: '   ', email: 'x@example.com' })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'name',
    })
    expect(await fails(a, 'data/customers/create', { name: 'Tab\there', email: 'x@example.com' })).toMatchObject({ field: 'name' })
    expect(await fails(a, 'data/customers/update', { id: 999_999, name: 'Nobody' })).toMatchObject({ code: 'NOT_FOUND', field: 'id' })
  })
})

describe('segregation view', () => {
  it('inspect/session shows the tenant role and search_path inside the scope', async () => {
    const a = openWindow('w-session')
    await ok(a, 'tenants/switch', { schema: 'acme' })
    expect(await ok(a, 'inspect/session')).toEqual({
      schema: 'acme',
      currentUser: tenantRoleName(t.db.databaseName, 'acme'),
      sessionUser: 'postgres',
      searchPath: 'acme, public, pg_temp',
      customersTable: 'acme.customers',
    })
  })

  it('the cross-tenant probe returns PostgreSQL’s refusal (42501)', async () => {
    const a = openWindow('w-probe')
    await ok(a, 'tenants/switch', { schema: 'acme' })
    const refused = await ok(a, 'inspect/probe-cross-tenant', { target: 'globex' })
    expect(refused).toEqual({
      sql: 'SELECT count(*) AS count FROM "globex".customers',
      from: 'acme',
      target: 'globex',
      allowed: false,
      sqlstate: '42501',
      message: 'permission denied for schema globex',
    })
    // Its own tenant's table is readable from the same scope.
    expect(await ok(a, 'inspect/probe-cross-tenant', { target: 'acme' })).toMatchObject({ allowed: true, from: 'acme' })
    // The refusal did not poison anything: the window keeps working.
    expect(await ok(a, 'data/customers/list')).toEqual(expect.any(Array))
  })

  it('the probe names a bad or unknown target', async () => {
    const a = openWindow('w-probe-bad')
    await ok(a, 'tenants/switch', { schema: 'acme' })
    expect(await fails(a, 'inspect/probe-cross-tenant', { target: 'Globex"; --' })).toMatchObject({ code: 'INVALID_INPUT', field: 'target' })
    expect(await fails(a, 'inspect/probe-cross-tenant', { target: 'nobody' })).toMatchObject({ code: 'TENANT_NOT_FOUND', field: 'target' })
  })

  it('the probe runs in a savepoint: the scope’s transaction stays usable after the refusal', async () => {
    // Drive the handler's pattern directly: refused statement in a savepoint, then more work in the same scope.
    const after = await t.tenancy.withTenant('acme', async (scope) => {
      await t.db.sequelize
        .transaction({ transaction: scope.transaction }, (sp) => t.db.rows('SELECT count(*) FROM "globex".customers', undefined, sp))
        .catch((error: unknown) => expect(String(error)).toContain('permission denied'))
      return scope.query<{ n: string }>('SELECT count(*) AS n FROM customers')
    })
    expect(after).toHaveLength(1)
  })

  it('inspect/schemas lists schemas and tables from the catalog, mapped to tenants', async () => {
    const schemas = await ok<{ name: string; tenant: string | null; owner: string; tables: { name: string; rows: { count: number; exact: boolean } }[] }[]>(
      openWindow('w-schemas'),
      'inspect/schemas',
    )
    const names = schemas.map((s) => s.name)
    expect(names[0]).toBe('public')
    expect(names).toEqual(expect.arrayContaining(['public', 'acme', 'globex']))
    expect(names.some((n) => n.startsWith('pg_') || n === 'information_schema')).toBe(false)
    const publicSchema = schemas.find((s) => s.name === 'public')
    expect(publicSchema?.tenant).toBeNull()
    expect(publicSchema?.tables.map((table) => table.name)).toEqual(expect.arrayContaining(['tenants', 'domains', 'tenant_migrations']))
    const acme = schemas.find((s) => s.name === 'acme')
    expect(acme).toMatchObject({ tenant: 'Acme Corporation', owner: 'postgres' })
    expect(acme?.tables.map((table) => table.name)).toEqual(expect.arrayContaining(['customers', 'orders', 'users']))
    for (const table of acme?.tables ?? []) {
      expect(Number.isInteger(table.rows.count)).toBe(true)
      // Small tables are counted, not estimated (reltuples said 0 for tables with rows before ANALYZE).
      expect(table.rows.exact).toBe(true)
    }
  })
})

describe('migrations', () => {
  const extra: MigrationDefinition = {
    name: '9001_add_customer_notes',
    async up({ query }) {
      await query('ALTER TABLE customers ADD COLUMN IF NOT EXISTS notes text')
    },
  }

  it('status is the tenant × migration grid', async () => {
    expect(await ok(openWindow('w-grid'), 'migrations/status')).toEqual({
      migrations: tenantMigrations.map((m) => m.name),
      types: [{ name: 'standard', label: 'Standard', migrations: tenantMigrations.map((m) => m.name) }],
      tenants: [
        { schema: 'acme', name: 'Acme Corporation', type: 'standard', applied: tenantMigrations.map((m) => m.name), pending: [] },
        { schema: 'globex', name: 'Globex Corporation', type: 'standard', applied: tenantMigrations.map((m) => m.name), pending: [] },
      ],
      sharedPending: [],
    })
  })

  it('run streams progress to the calling window only and returns the report', async () => {
    // The same database seen by a release that ships one more tenant migration.
    const next = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, extra] } })
    const nextDispatch = createDispatcher(
      { tenancy: next, target: { mode: 'external', url: t.url }, sessions },
      { logUnexpected: (name, error) => unexpected.push({ name, error }) },
    )
    const w = openWindow('w-migrate')
    const other = openWindow('w-bystander')
    const grid = await nextDispatch('migrations/status', {}, w.context)
    expect(grid).toMatchObject({ ok: true, result: { tenants: [{ pending: [extra.name] }, { pending: [extra.name] }] } })

    const outcome = await nextDispatch('migrations/run', { scope: 'tenant', concurrency: 2 }, w.context)
    expect(outcome).toMatchObject({
      ok: true,
      result: { counts: { total: 2, migrated: 2, upToDate: 0, failed: 0, applied: 2 } },
    })
    const events = w.emitted.filter((e) => e.event === 'migrations/progress').map((e) => e.payload as MigrationEvent)
    expect(w.emitted.every((e) => e.event === 'migrations/progress')).toBe(true)
    expect(events[0]).toEqual({ type: 'run-start', shared: false, tenants: 2 })
    expect(events.at(-1)?.type).toBe('run-done')
    expect(events.filter((e) => e.type === 'migration-applied').map((e) => e.type === 'migration-applied' && e.schema).sort()).toEqual([
      'acme',
      'globex',
    ])
    expect(events.filter((e) => e.type === 'schema-done')).toHaveLength(2)
    expect(other.emitted).toEqual([])
    expect(broadcasts).toContainEqual({ event: 'tenants/changed', payload: { reason: 'migrated' } })

    const after = await nextDispatch('migrations/status', {}, w.context)
    expect(after).toMatchObject({ ok: true, result: { tenants: [{ pending: [] }, { pending: [] }] } })
    await next.resolver.close()
  })

  it('refuses a tenant schema with scope "shared", and an unknown schema', async () => {
    const w = openWindow('w-migrate-bad')
    expect(await fails(w, 'migrations/run', { scope: 'shared', schema: 'acme' })).toMatchObject({ code: 'INVALID_INPUT', field: 'schema' })
    expect(await fails(w, 'migrations/run', { schema: 'nobody' })).toMatchObject({ code: 'TENANT_NOT_FOUND' })
  })
})

describe('db/status', () => {
  it('reports the server the pool is connected to', async () => {
    const status = await ok<Record<string, unknown>>(openWindow('w-db'), 'db/status')
    expect(status).toMatchObject({
      mode: 'external',
      running: true,
      host: '127.0.0.1',
      database: t.name,
      user: 'postgres',
      dataDir: null,
    })
    expect(String(status.serverVersion)).toMatch(/^\d+/)
    expect(JSON.stringify(status)).not.toContain(new URL(t.url).password)
  })

  it('reports an embedded data directory whose server is not running, without starting it', async () => {
    const dir = await mkdtemp(path.join(path.resolve('.test-data'), 'not-running-'))
    try {
      const status = await readDbStatus({ mode: 'embedded', dataDir: dir }, t.db)
      expect(status).toMatchObject({ mode: 'embedded', running: false, dataDir: dir })
      expect(status.error).toMatch(/not running/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('project/current', () => {
  it('describes the open project: the built-in demo, its tenant type and routing', async () => {
    const info = await ok<Record<string, unknown>>(openWindow('w-project'), 'project/current')
    expect(info).toMatchObject({
      name: 'Schemata demo',
      builtin: true,
      tenantTypes: [{ name: 'standard', label: 'Standard', migrations: tenantMigrations.map((m) => m.name) }],
      defaultTenantType: 'standard',
      sharedMigrations: [],
      sharedReadable: [],
      routing: { subdomains: true, header: 'X-Tenant', pathPrefix: true },
    })
    expect(info.configPath).toBe(path.resolve('schemata.config.json'))
    expect(await fails(openWindow('w-project-2'), 'project/current', { extra: 1 })).toMatchObject({ code: 'INVALID_INPUT' })
  })
})

describe('dropping a tenant', () => {
  it('requires the typed confirmation, then clears the tenant from every window that had it', async () => {
    const admin = openWindow('w-drop-admin')
    const viewer = openWindow('w-drop-viewer')
    await ok(admin, 'tenants/create', { name: 'Doomed', schema: 'doomed' })
    await ok(viewer, 'tenants/switch', { schema: 'doomed' })
    broadcasts.length = 0

    expect(await fails(admin, 'tenants/drop', { schema: 'doomed', confirm: 'DOOMED' })).toMatchObject({ code: 'INVALID_INPUT', field: 'confirm' })
    expect(await ok(viewer, 'tenants/active')).toMatchObject({ tenant: { schema: 'doomed' } })
    expect(broadcasts).toEqual([])

    expect(await ok(admin, 'tenants/drop', { schema: 'doomed', confirm: 'doomed' })).toEqual({ dropped: 'doomed' })
    expect(broadcasts).toEqual([{ event: 'tenants/changed', payload: { reason: 'dropped' } }])
    expect(viewer.session.activeTenant).toBeNull()
    expect(await fails(viewer, 'data/customers/list')).toMatchObject({ code: 'NO_ACTIVE_TENANT' })
    expect(await fails(admin, 'tenants/drop', { schema: 'doomed', confirm: 'doomed' })).toMatchObject({ code: 'TENANT_NOT_FOUND' })
  })

  it('a tenant dropped by another process fails the window’s next call with TENANT_NOT_FOUND', async () => {
    const w = openWindow('w-dropped-elsewhere')
    await ok(openWindow('w-x'), 'tenants/create', { name: 'Gone', schema: 'gone' })
    await ok(w, 'tenants/switch', { schema: 'gone' })
    await t.tenancy.dropTenant('gone') // as the CLI would: our session store does not hear of it
    expect(await fails(w, 'data/orders/list')).toMatchObject({ code: 'TENANT_NOT_FOUND' })
    expect(await fails(w, 'inspect/session')).toMatchObject({ code: 'TENANT_NOT_FOUND' })
  })
})

describe('events', () => {
  it('the dispatcher never emits to a window for calls that do not stream', async () => {
    const w = openWindow('w-quiet')
    const spy = vi.spyOn(w.context, 'emit')
    await ok(w, 'tenants/list')
    await ok(w, 'db/status')
    expect(spy).not.toHaveBeenCalled()
  })
})
