import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../electron/main/auth/password.ts'
import type { CallOutcome, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { RequestLog, type SchemataServer, createSchemataServer } from '../../electron/main/server/index.ts'
import { serverUnderTest } from '../fixtures/server-under-test.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { send } from '../fixtures/http-send.ts'

/*
 * Load: 2,000+ authenticated GET /api/customers over 20 tenants with 50 in
 * flight, half routed by subdomain Host and half by X-Tenant (on the bare
 * host). Every response is checked: 200, and every row belongs to the tenant
 * asked for. Throughput and p99 are printed, not asserted.
 */

const TENANTS = 20
const CUSTOMERS_PER_TENANT = 5
const REQUESTS = 2000
const IN_FLIGHT = 50

const noDispatch: Dispatch = () => Promise.resolve<CallOutcome>({ ok: false, error: { code: 'NOT_FOUND', message: 'no RPC in this test' } })
const schemas = Array.from({ length: TENANTS }, (_, i) => `load_${String(i).padStart(2, '0')}`)
const tokens = new Map<string, string>()

let t: TestDatabase
let server: SchemataServer
let port: number

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

beforeAll(async () => {
  // The pool `schemata serve` runs with (the Database default).
  const target = serverUnderTest()
  t = await createTestDatabase(target.adminUrl, target.directAdminUrl ? { directAdminUrl: target.directAdminUrl } : {})
  await t.tenancy.resolver.listen()
  const { Customer, User } = t.tenancy.models
  const passwordHash = await hashPassword('load-pw')
  for (const schema of schemas) {
    await t.tenancy.createTenant({ name: `Load ${schema}`, schema })
    await t.tenancy.withTenant(schema, async () => {
      await User.create({ email: 'load@user.example', passwordHash })
      await Customer.bulkCreate(
        Array.from({ length: CUSTOMERS_PER_TENANT }, (_, i) => ({ name: `${schema} customer ${i}`, email: `c${i}@${schema}.example` })),
      )
    })
  }
  server = await createSchemataServer({ tenancy: t.tenancy, dispatch: noDispatch, rendererDir: '/nonexistent', port: 0, requestLog: new RequestLog() })
  port = server.port
  for (const schema of schemas) {
    const r = await send(port, {
      method: 'POST',
      path: '/api/login',
      host: `${schema.replaceAll('_', '-')}.localhost:${port}`,
      body: JSON.stringify({ email: 'load@user.example', password: 'load-pw' }),
    })
    expect(r.status).toBe(200)
    tokens.set(schema, (r.json as { token: string }).token)
  }
}, 180_000)

afterAll(async () => {
  await server?.close()
  await t?.drop()
})

describe('tenant API under load', () => {
  it(`${REQUESTS} requests over ${TENANTS} tenants, ${IN_FLIGHT} in flight: no foreign rows, no 5xx`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
    const latencies: number[] = []
    const problems: string[] = []
    const statuses = new Map<number, number>()
    let next = 0

    async function worker(): Promise<void> {
      while (next < REQUESTS) {
        const i = next++
        // Spread tenants so neighbours in flight are different tenants; alternate the routing.
        const schema = schemas[(i * 7) % TENANTS] as string
        const byHeader = i % 2 === 1
        const headers: Record<string, string> = { authorization: `Bearer ${tokens.get(schema)}` }
        if (byHeader) headers['x-tenant'] = schema
        const started = performance.now()
        const r = await send(port, {
          path: '/api/customers',
          host: byHeader ? `localhost:${port}` : `${schema.replaceAll('_', '-')}.localhost:${port}`,
          headers,
          agent,
        })
        latencies.push(performance.now() - started)
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
        if (r.status !== 200) {
          problems.push(`#${i} ${schema}: HTTP ${r.status} ${r.text}`)
          continue
        }
        const rows = (r.json as { customers: { email: string; name: string }[] }).customers
        if (rows.length !== CUSTOMERS_PER_TENANT) problems.push(`#${i} ${schema}: ${rows.length} rows`)
        for (const row of rows) {
          if (!row.email.endsWith(`@${schema}.example`) || !row.name.startsWith(`${schema} `)) {
            problems.push(`#${i} ${schema}: foreign row ${JSON.stringify(row)}`)
          }
        }
      }
    }

    const started = performance.now()
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()))
    const seconds = (performance.now() - started) / 1000
    agent.destroy()

    latencies.sort((a, b) => a - b)
    const rps = REQUESTS / seconds
    console.log(
      `[load] GET /api/customers: ${REQUESTS} requests, ${TENANTS} tenants, ${IN_FLIGHT} in flight: ` +
        `${rps.toFixed(0)} req/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies[latencies.length - 1] ?? 0).toFixed(1)} ms`,
    )

    expect(problems.slice(0, 10)).toEqual([])
    expect([...statuses.keys()]).toEqual([200])
    expect(latencies).toHaveLength(REQUESTS)
    const logged = server.recentRequests(10)
    expect(logged.every((e) => e.status === 200 && e.tenant !== null)).toBe(true)
  })
})
