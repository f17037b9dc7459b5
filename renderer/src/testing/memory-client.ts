import { ContractError, type CallInput, type CallName, type CallResult, type ContractEvents, type EventName, type SchemataClient } from '../../../contract/contract.ts'
import type {
  ApiRequestLogEntry,
  CustomerDto,
  DbStatus,
  MigrationReport,
  OrderDto,
  ProjectInfo,
  SchemaInfo,
  TenantApiResponse,
  TenantInfo,
  TenantListItem,
} from '../../../contract/types.ts'
import type { ActivityMetric, ActivityOverview, StatementStatsStatus, TenantActivityDetail, TenantActivityRow } from '../../../contract/activity-types.ts'
import { domainProblem, schemaNameProblem, tenantNameProblem } from '../validation.ts'
import { MemorySql, type MemorySqlHost } from './memory-sql.ts'
import { MemoryTables } from './memory-tables.ts'

/*
 * An in-memory SchemataClient for component tests (and for trying the UI
 * without a database): tenants with their own customers and orders, one
 * window's active tenant, and a hook to hold any call so a test can decide
 * when — and in which order — answers arrive.
 */

interface MemoryTenant {
  info: TenantInfo
  customers: CustomerDto[]
  orders: OrderDto[]
  applied: string[]
}

export interface SeedTenant {
  name: string
  schema: string
  /** One of `project.tenantTypes`; default: the project's default type. */
  type?: string
  customers?: { name: string; email: string }[]
}

export interface RecordedCall {
  name: CallName
  input: unknown
  /** The window's active tenant when the call reached the "server" (what a tenant call is checked against). */
  scope: string | null
}

const MIGRATIONS = ['0001_create_customers_orders', '0002_create_users']
/** What demo/load creates here: the demo's three tenants, with a customer each. */
const DEMO_TENANTS: readonly SeedTenant[] = [
  { name: 'Acme Corporation', schema: 'acme', customers: [{ name: 'Wile E. Coyote', email: 'wile@desert.example' }] },
  { name: 'Globex Corporation', schema: 'globex', customers: [{ name: 'Hank Scorpio', email: 'hank@globex.example' }] },
  { name: 'Initech', schema: 'initech', customers: [{ name: 'Peter Gibbons', email: 'peter@initech.example' }] },
]
const CREATED_AT = '2026-11-26T12:00:00.000Z'

export class MemoryClient implements SchemataClient {
  readonly calls: RecordedCall[] = []
  /** Called before a call is answered; return a promise to hold the answer until it settles. */
  hold: ((call: RecordedCall) => Promise<void> | undefined) | undefined
  /**
   * Called as a call is sent; return a promise to delay its arrival at the "server" until it settles,
   * so a later call (a switch) can overtake it, as two HTTP requests can.
   */
  delayArrival: ((call: RecordedCall) => Promise<void> | undefined) | undefined
  /** Makes the next migration runs fail in this schema (as a broken migration would), until cleared. */
  failMigration: { schema: string; migration: string; message: string } | undefined
  project: ProjectInfo = {
    name: 'Schemata demo',
    root: '/schemata',
    configPath: '/schemata/schemata.config.json',
    builtin: true,
    tenantTypes: [{ name: 'standard', label: 'Standard', migrations: [...MIGRATIONS] }],
    defaultTenantType: 'standard',
    sharedMigrations: [],
    sharedReadable: [],
    baseDomain: 'localhost',
    routing: { subdomains: true, header: 'X-Tenant', pathPrefix: true },
  }
  db: DbStatus = {
    mode: 'embedded',
    running: true,
    host: '127.0.0.1',
    port: 54321,
    database: 'schemata',
    user: 'postgres',
    serverVersion: '18.1',
    dataDir: '/tmp/schemata-test',
  }
  /** Statement calls per tenant over the Activity view's window (a test makes a tenant busy here). */
  readonly activityCalls = new Map<string, number>()
  activityStats: StatementStatsStatus = { available: true, extensionSchema: 'schemata_stats', queryText: true, evicted: 0, resetAt: null }
  /** When false, `requests/*` fail as in Electron with no local server. */
  tenantApiRunning = true
  /** The tenant API's request log, newest first (`requests/send` adds to it and emits `requests/logged`). */
  readonly requestLog: ApiRequestLogEntry[] = []
  /** The sql/* calls (see memory-sql.ts); `sql.pace` holds a fan-out between tenants. */
  readonly sql = new MemorySql()
  private readonly tenants = new Map<string, MemoryTenant>()
  private readonly tables = new MemoryTables()
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>()
  private active: string | null = null
  private nextId = 1
  /** Tenants are created a second apart, in the order they are added: the console lists them in creation order. */
  private created = 0
  private unanswered = 0
  private waitingOnTest = 0

  constructor(seed: readonly SeedTenant[] = []) {
    for (const tenant of seed) this.addTenant(tenant)
  }

  /** Adds a tenant directly (no events), e.g. to build 5,000 of them. */
  addTenant(seed: SeedTenant): void {
    const tenant: MemoryTenant = {
      info: {
        name: seed.name,
        schema: seed.schema,
        type: seed.type ?? this.project.defaultTenantType,
        status: 'active',
        domains: [`${seed.schema}.localhost`],
        createdAt: new Date(Date.parse(CREATED_AT) + 1000 * this.created++).toISOString(),
      },
      customers: [],
      orders: [],
      applied: this.migrationsOf(seed.type ?? this.project.defaultTenantType),
    }
    for (const c of seed.customers ?? []) tenant.customers.push({ id: this.nextId++, name: c.name, email: c.email, createdAt: CREATED_AT })
    this.tenants.set(seed.schema, tenant)
  }

  /** A tenant type's migrations in the (editable) project. */
  migrationsOf(type: string): string[] {
    return [...(this.project.tenantTypes.find((t) => t.name === type)?.migrations ?? [])]
  }

  activeSchema(): string | null {
    return this.active
  }

  /** As a restarted server does: window sessions live in memory, so the window's active tenant is forgotten. */
  restart(): void {
    this.active = null
  }

  /** A tenant's customer names as stored, read behind the contract's back (for assertions). */
  customerNames(schema: string): string[] {
    return this.tenant(schema).customers.map((c) => c.name)
  }

  /** Sends an event to every listener, as the server's push would. */
  emit<E extends EventName>(event: E, payload: ContractEvents[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) (listener as (p: ContractEvents[E]) => void)(payload)
  }

  on<E extends EventName>(event: E, listener: (payload: ContractEvents[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const entry = listener as (payload: never) => void
    set.add(entry)
    return () => set.delete(entry)
  }

  async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResult<N>> {
    // The scope is read when the call arrives, as the server reads the window's session.
    const call: RecordedCall = { name, input, scope: this.active }
    this.calls.push(call)
    this.unanswered++
    try {
      const delayed = this.delayArrival?.(call)
      if (delayed) {
        await this.waitOnTest(delayed)
        call.scope = this.active
      }
      const held = this.hold?.(call)
      if (held) await this.waitOnTest(held)
      else await Promise.resolve()
      return this.answer(name, input, call.scope) as CallResult<N>
    } finally {
      this.unanswered--
    }
  }

  /** Waits for a promise the test handed in (a hold or a delay); meanwhile the call does not count as busy. */
  private async waitOnTest(until: Promise<unknown>): Promise<void> {
    this.waitingOnTest++
    try {
      await until
    } finally {
      this.waitingOnTest--
    }
  }

  /**
   * Calls that arrived and are not answered yet, leaving out those a test is
   * holding or delaying: 0 means the console is waiting for nothing but the test.
   */
  busy(): number {
    return this.unanswered - this.waitingOnTest
  }

  /** The tenant a tenant call runs in: the one it names, if that is still the window's (else CONFLICT, as main answers). */
  private scoped(scope: string | null, input: Record<string, unknown>): MemoryTenant {
    if (scope === null) throw new ContractError({ code: 'NO_ACTIVE_TENANT', message: 'no tenant selected in this window' })
    if (input.tenant !== scope) {
      throw new ContractError({ code: 'CONFLICT', message: `this call was meant for tenant "${String(input.tenant)}", but the window has switched to "${scope}"`, field: 'tenant' })
    }
    const tenant = this.tenants.get(scope)
    if (!tenant) throw new ContractError({ code: 'TENANT_NOT_FOUND', message: `no tenant with schema "${scope}"`, field: 'schema' })
    if (tenant.info.status === 'suspended') throw new ContractError({ code: 'TENANT_SUSPENDED', message: `tenant "${scope}" is suspended` })
    return tenant
  }

  private tenant(schema: unknown): MemoryTenant {
    const tenant = typeof schema === 'string' ? this.tenants.get(schema) : undefined
    if (!tenant) throw new ContractError({ code: 'TENANT_NOT_FOUND', message: `no tenant with schema "${String(schema)}"`, field: 'schema' })
    return tenant
  }

  private listItem(tenant: MemoryTenant): TenantListItem {
    return {
      ...tenant.info,
      domains: [...tenant.info.domains],
      appliedMigrations: tenant.applied.length,
      pendingMigrations: this.migrationsOf(tenant.info.type).filter((m) => !tenant.applied.includes(m)),
      sizeBytes: 65_536,
    }
  }

  /** The Activity overview in miniature: each tenant's calls from `activityCalls`, 0.4 ms each, 64 kB each. */
  private activityOverview(input: { rankBy?: ActivityMetric; noisyShare?: number }): ActivityOverview {
    const rankBy = input.rankBy ?? 'time'
    const noisyShare = input.noisyShare ?? 0.5
    const rows: TenantActivityRow[] = [...this.tenants.values()].map((t) => {
      const calls = this.activityStats.available ? (this.activityCalls.get(t.info.schema) ?? 0) : 0
      const window = { calls, timeMs: calls * 0.4, rows: calls, sharedBlocksHit: calls * 3, sharedBlocksRead: 0, tempBlocks: 0 }
      const sizes = { tableBytes: 32_768, indexBytes: 24_576, toastBytes: 8192, totalBytes: 65_536 }
      const value = rankBy === 'size' ? sizes.totalBytes : rankBy === 'time' ? window.timeMs : calls
      return {
        schema: t.info.schema,
        name: t.info.name,
        window,
        meanTimeMs: calls > 0 ? 0.4 : null,
        sizes,
        growthBytes: 0,
        sessions: { total: 0, active: 0, idleInTransaction: 0, waiting: 0, oldestTransactionMs: null },
        share: value,
        noisy: false,
        series: [0, value],
      }
    })
    const total = rows.reduce((sum, r) => sum + r.share, 0)
    const busy = rows.filter((r) => r.share > 0).length
    for (const row of rows) {
      row.share = total > 0 ? row.share / total : 0
      row.noisy = busy >= 2 && row.share > noisyShare
    }
    rows.sort((a, b) => b.share - a.share || a.schema.localeCompare(b.schema))
    return { at: new Date().toISOString(), statementStats: this.activityStats, rankBy, windowMs: 60_000, intervalMs: 2000, noisyShare, total, tenantCount: rows.length, tenants: rows }
  }

  private activityDetail(schema: string): TenantActivityDetail {
    const tenant = this.tenant(schema)
    const calls = this.activityCalls.get(schema) ?? 0
    const stats = this.activityStats.available
    const statement = { queryId: '1', query: 'SELECT ... FROM "customers" WHERE "name" = $1', calls, timeMs: calls * 0.4, meanTimeMs: 0.4, rows: calls, sharedBlocksHit: calls * 3, sharedBlocksRead: 0, tempBlocks: 0, share: 1 }
    return {
      schema,
      name: tenant.info.name,
      statementStats: this.activityStats,
      statements: stats && calls > 0 ? [statement] : [],
      totals: stats ? { calls, timeMs: calls * 0.4, rows: calls, sharedBlocksHit: calls * 3, sharedBlocksRead: 0, tempBlocks: 0 } : null,
      sizes: { tableBytes: 32_768, indexBytes: 24_576, toastBytes: 8192, totalBytes: 65_536 },
      sessions: [],
    }
  }

  private invalid(field: string, rule: string): never {
    throw new ContractError({ code: 'INVALID_INPUT', message: `${field}: ${rule}`, field })
  }

  private answer(name: CallName, input: Record<string, unknown>, scope: string | null): unknown {
    if (name.startsWith('data/') && !name.startsWith('data/customers/') && !name.startsWith('data/orders/')) {
      const tenant = this.scoped(scope, input)
      return this.tables.answer(name, input, tenant.info.schema, tenant, () => this.nextId++, CREATED_AT)
    }
    if (name.startsWith('sql/')) return this.sql.answer(name, input, this.sqlHost(scope))
    switch (name) {
      case 'db/status':
        return { ...this.db }
      case 'project/current':
        return structuredClone(this.project)
      case 'demo/load': {
        const created: string[] = []
        for (const demo of DEMO_TENANTS) {
          if (this.tenants.has(demo.schema)) continue
          this.addTenant(demo)
          created.push(demo.schema)
        }
        if (created.length > 0) this.emit('tenants/changed', { reason: 'created' })
        return { created, existing: DEMO_TENANTS.map((t) => t.schema).filter((s) => !created.includes(s)) }
      }
      case 'tenants/list':
        return [...this.tenants.values()].map((t) => this.listItem(t))
      case 'tenants/active':
        return { tenant: this.active ? (this.tenants.get(this.active)?.info ?? null) : null }
      case 'tenants/switch': {
        const tenant = this.tenant(input.schema)
        this.active = tenant.info.schema
        return { tenant: { ...tenant.info } }
      }
      case 'tenants/create': {
        const { name: tenantName, schema, domains, type } = input as { name: string; schema: string; domains?: string[]; type?: string }
        if (type !== undefined && !this.project.tenantTypes.some((t) => t.name === type)) this.invalid('type', `"${type}" is not a tenant type of this project`)
        const nameProblem = tenantNameProblem(tenantName)
        if (nameProblem) this.invalid('name', nameProblem)
        const schemaProblem = schemaNameProblem(schema)
        if (schemaProblem) this.invalid('schema', schemaProblem)
        if (this.tenants.has(schema)) throw new ContractError({ code: 'CONFLICT', message: `schema "${schema}" already exists`, field: 'schema' })
        for (const [i, d] of (domains ?? []).entries()) {
          const problem = domainProblem(d)
          if (problem) this.invalid(`domains[${i}]`, problem)
        }
        this.addTenant({ name: tenantName, schema, ...(type === undefined ? {} : { type }) })
        const tenant = this.tenant(schema)
        if (domains) tenant.info.domains = [...domains]
        this.emit('tenants/changed', { reason: 'created' })
        return { ...tenant.info }
      }
      case 'tenants/drop': {
        const tenant = this.tenant(input.schema)
        if (input.confirm !== tenant.info.schema) this.invalid('confirm', 'must repeat the schema name')
        this.tenants.delete(tenant.info.schema)
        if (this.active === tenant.info.schema) this.active = null
        this.emit('tenants/changed', { reason: 'dropped' })
        return { dropped: tenant.info.schema }
      }
      case 'tenants/set-status': {
        const tenant = this.tenant(input.schema)
        tenant.info.status = input.status as TenantInfo['status']
        return { ...tenant.info }
      }
      case 'tenants/set-type': {
        const tenant = this.tenant(input.schema)
        const type = String(input.type)
        if (!this.project.tenantTypes.some((t) => t.name === type)) this.invalid('type', `"${type}" is not a tenant type of this project`)
        tenant.info.type = type
        tenant.applied = this.migrationsOf(type)
        this.emit('tenants/changed', { reason: 'type' })
        return { ...tenant.info }
      }
      case 'tenants/set-domains': {
        const tenant = this.tenant(input.schema)
        tenant.info.domains = [...(input.domains as string[])]
        return { ...tenant.info }
      }
      case 'data/customers/list': {
        const tenant = this.scoped(scope, input)
        const search = typeof input.search === 'string' ? input.search.toLowerCase() : ''
        return tenant.customers.filter((c) => search === '' || c.name.toLowerCase().includes(search) || c.email.includes(search)).map((c) => ({ ...c }))
      }
      case 'data/customers/create': {
        const tenant = this.scoped(scope, input)
        const customer: CustomerDto = { id: this.nextId++, name: String(input.name), email: String(input.email), createdAt: CREATED_AT }
        tenant.customers.push(customer)
        return { ...customer }
      }
      case 'data/customers/update': {
        const tenant = this.scoped(scope, input)
        const customer = tenant.customers.find((c) => c.id === input.id)
        if (!customer) throw new ContractError({ code: 'NOT_FOUND', message: 'no such customer', field: 'id' })
        if (typeof input.name === 'string') customer.name = input.name
        if (typeof input.email === 'string') customer.email = input.email
        return { ...customer }
      }
      case 'data/customers/delete': {
        const tenant = this.scoped(scope, input)
        tenant.customers = tenant.customers.filter((c) => c.id !== input.id)
        tenant.orders = tenant.orders.filter((o) => o.customerId !== input.id)
        return { deleted: 1 }
      }
      case 'data/orders/list':
        return this.scoped(scope, input).orders.map((o) => ({ ...o }))
      case 'data/orders/create': {
        const tenant = this.scoped(scope, input)
        const customer = tenant.customers.find((c) => c.id === input.customerId)
        if (!customer) throw new ContractError({ code: 'NOT_FOUND', message: 'no such customer', field: 'customerId' })
        const order: OrderDto = {
          id: this.nextId++,
          customerId: customer.id,
          customerName: customer.name,
          amountCents: Number(input.amountCents),
          status: (input.status as OrderDto['status'] | undefined) ?? 'pending',
          createdAt: CREATED_AT,
        }
        tenant.orders.push(order)
        return { ...order }
      }
      case 'data/orders/update': {
        const order = this.scoped(scope, input).orders.find((o) => o.id === input.id)
        if (!order) throw new ContractError({ code: 'NOT_FOUND', message: 'no such order', field: 'id' })
        if (typeof input.amountCents === 'number') order.amountCents = input.amountCents
        if (typeof input.status === 'string') order.status = input.status as OrderDto['status']
        return { ...order }
      }
      case 'data/orders/delete': {
        const tenant = this.scoped(scope, input)
        tenant.orders = tenant.orders.filter((o) => o.id !== input.id)
        return { deleted: 1 }
      }
      case 'inspect/schemas': {
        const schemas: SchemaInfo[] = [
          { name: 'public', tenant: null, owner: 'postgres', tables: [{ name: 'tenants', rows: { count: this.tenants.size, exact: true } }] },
        ]
        for (const t of this.tenants.values()) {
          schemas.push({
            name: t.info.schema,
            tenant: t.info.name,
            owner: 'postgres',
            tables: [
              { name: 'customers', rows: { count: t.customers.length, exact: true } },
              { name: 'orders', rows: { count: t.orders.length, exact: true } },
            ],
          })
        }
        return schemas
      }
      case 'inspect/session': {
        const tenant = this.scoped(scope, input)
        return {
          schema: tenant.info.schema,
          currentUser: `tenant_${tenant.info.schema}`,
          sessionUser: 'postgres',
          searchPath: `${tenant.info.schema}, public`,
          customersTable: `${tenant.info.schema}.customers`,
        }
      }
      case 'inspect/probe-cross-tenant': {
        const tenant = this.scoped(scope, input)
        const target = String(input.target)
        return {
          sql: `SELECT count(*) FROM "${target}".customers`,
          from: tenant.info.schema,
          target,
          allowed: false,
          sqlstate: '42501',
          message: `permission denied for schema ${target}`,
        }
      }
      case 'migrations/status':
        return {
          migrations: [...new Set(this.project.tenantTypes.flatMap((t) => t.migrations))].sort(),
          types: this.project.tenantTypes.map((t) => ({ name: t.name, label: t.label, migrations: [...t.migrations] })),
          tenants: [...this.tenants.values()].map((t) => ({
            schema: t.info.schema,
            name: t.info.name,
            type: t.info.type,
            applied: [...t.applied],
            pending: this.migrationsOf(t.info.type).filter((m) => !t.applied.includes(m)),
          })),
          sharedPending: [],
        }
      case 'migrations/run': {
        const fleet = [...this.tenants.values()].filter((t) => input.schema === undefined || t.info.schema === input.schema)
        this.emit('migrations/progress', { type: 'run-start', shared: input.schema === undefined, tenants: fleet.length })
        const report: MigrationReport = {
          tenants: [],
          counts: { total: fleet.length, migrated: 0, upToDate: 0, failed: 0, applied: 0 },
          durationMs: 5,
        }
        fleet.forEach((t, index) => {
          const failure = this.failMigration?.schema === t.info.schema ? this.failMigration : undefined
          if (failure) {
            const { migration, message } = failure
            this.emit('migrations/progress', { type: 'schema-failed', schema: t.info.schema, index, total: fleet.length, migration, message })
            report.tenants.push({ schema: t.info.schema, status: 'failed', applied: [], failedMigration: migration, message })
            report.counts.failed++
            return
          }
          const pending = this.migrationsOf(t.info.type).filter((m) => !t.applied.includes(m))
          if (pending.length > 0) this.emit('migrations/progress', { type: 'schema-start', schema: t.info.schema, index, total: fleet.length, pending: pending.length })
          for (const m of pending) {
            t.applied.push(m)
            this.emit('migrations/progress', { type: 'migration-applied', schema: t.info.schema, migration: m })
          }
          this.emit('migrations/progress', { type: 'schema-done', schema: t.info.schema, index, total: fleet.length, applied: pending })
          report.tenants.push({ schema: t.info.schema, status: pending.length > 0 ? 'migrated' : 'up-to-date', applied: pending })
          report.counts.applied += pending.length
          if (pending.length > 0) report.counts.migrated++
          else report.counts.upToDate++
        })
        this.emit('migrations/progress', { type: 'run-done', report })
        return report
      }
      case 'routing/resolve':
        return { ok: false, reason: 'none', message: 'not simulated' }
      case 'requests/send':
        return this.sendTenantApi(input as CallInput<'requests/send'>)
      case 'activity/overview':
        return this.activityOverview(input)
      case 'activity/tenant':
        return this.activityDetail(String(input.schema))
      // Staged runs are recorded by the database; the memory client has none.
      case 'migrations/runs/list':
        return []
      case 'migrations/runs/get':
      case 'migrations/runs/resume':
      case 'migrations/runs/halt':
        throw new ContractError({ code: 'INVALID_INPUT', message: `run: there is no run ${String(input.id)}`, field: 'run' })
      case 'requests/log':
        this.tenantApiUp()
        return this.requestLog.slice(0, typeof input.limit === 'number' ? input.limit : 200)
    }
  }

  private sqlHost(scope: string | null): MemorySqlHost {
    const view = (t: MemoryTenant) => ({ schema: t.info.schema, type: t.info.type, status: t.info.status, customers: t.customers })
    return {
      scoped: (input) => view(this.scoped(scope, input)),
      tenants: () => [...this.tenants.values()].map(view),
      emit: (event) => this.emit('sql/fan-out', event),
    }
  }

  private tenantApiUp(): void {
    if (!this.tenantApiRunning) {
      throw new ContractError({ code: 'NOT_FOUND', message: 'the tenant API server is not running here; start it with "schemata serve"' })
    }
  }

  /** The tenant API in miniature: domain, then <schema>.localhost, then X-Tenant; /api/tenant, /api/login, /api/customers. */
  private sendTenantApi(input: CallInput<'requests/send'>): TenantApiResponse {
    this.tenantApiUp()
    const headers = Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
    const host = input.host.toLowerCase().replace(/:\d+$/, '')
    const byDomain = [...this.tenants.values()].find((t) => t.info.domains.includes(host))
    const sub = /(?:^|\.)([a-z0-9_-]+)\.localhost$/.exec(host)?.[1]?.replaceAll('-', '_')
    const fromHost = byDomain?.info.schema ?? sub
    const header = headers['x-tenant']
    const reply = (status: number, body: unknown, tenant: string | null = null, via: ApiRequestLogEntry['via'] = null): TenantApiResponse => {
      const entry: ApiRequestLogEntry = { id: `req-${this.nextId++}`, time: new Date().toISOString(), method: input.method, host: input.host, path: input.path, tenant, via, status, ms: 1.5 }
      this.requestLog.unshift(entry)
      this.emit('requests/logged', entry)
      const text = JSON.stringify(body)
      return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': entry.id }, body: text, truncated: false, json: body, durationMs: 2.5, resolved: { tenant, via }, logEntry: entry }
    }
    const refuse = (status: number, code: string, message: string) => reply(status, { error: { code, message } })
    if (fromHost !== undefined && header !== undefined && header !== fromHost) return refuse(400, 'INVALID_INPUT', `host names "${fromHost}" but X-Tenant names "${header}"`)
    const schema = fromHost ?? header
    if (schema === undefined) return refuse(404, 'TENANT_NOT_FOUND', 'no tenant: use a tenant host or an X-Tenant header')
    const tenant = this.tenants.get(schema)
    if (!tenant) return refuse(404, 'TENANT_NOT_FOUND', `no tenant "${schema}"`)
    const via = byDomain ? 'domain' : sub !== undefined ? 'subdomain' : 'header'
    const ok = (status: number, body: unknown) => reply(status, body, schema, via)
    const fail = (status: number, code: string, message: string) => ok(status, { error: { code, message } })
    if (input.path === '/api/tenant') return ok(200, { name: tenant.info.name, schema })
    if (input.path === '/api/login') {
      const body = JSON.parse(input.body ?? '{}') as { email?: string; password?: string }
      if (body.email !== `admin@${schema}.example` || body.password !== `${schema}-demo`) return fail(401, 'UNAUTHORIZED', 'invalid email or password')
      return ok(200, { token: `memory-token.${schema}`, expiresAt: '2099-01-01T00:00:00.000Z' })
    }
    if (input.path === '/api/customers') {
      if (headers.authorization !== `Bearer memory-token.${schema}`) return fail(401, 'UNAUTHORIZED', 'a bearer token for this tenant is required (POST /api/login)')
      return ok(200, { customers: tenant.customers })
    }
    return fail(404, 'NOT_FOUND', `no endpoint ${input.path}`)
  }
}

/** A promise with its resolve function, for holding a call until the test says so. */
export function deferred(): { promise: Promise<void>; release: () => void } {
  let release!: () => void
  const promise = new Promise<void>((resolve) => {
    release = resolve
  })
  return { promise, release }
}
