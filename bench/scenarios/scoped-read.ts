import { connectPlain } from '../pg-client.ts'
import { qualified, quoteLiteral } from '../../electron/main/db/sql.ts'
import type { BenchContext } from '../context.ts'
import { queryMs, roundTrips } from '../round-trips.ts'
import { round3, summarize } from '../stats.ts'

export interface ScopedReadResult {
  iterations: number
  tenantsRead: number
  scopedP50Ms: number
  scopedP99Ms: number
  unscopedP50Ms: number
  unscopedP99Ms: number
  /** scoped − unscoped, at each percentile. */
  overheadP50Ms: number
  overheadP99Ms: number
  roundTripsScoped: number
  roundTripsUnscoped: number
  /** The same read in a read-write scope (`withTenant` without `readOnly`), which waits for COMMIT. */
  readWriteScopedP50Ms: number
  readWriteScopedP99Ms: number
  readWriteOverheadP50Ms: number
  roundTripsReadWriteScoped: number
  /** Mean wall time per read not spent waiting on pg: withTenant + Sequelize + our code. */
  scopedClientSideMeanMs: number
  unscopedClientSideMeanMs: number
  /** The unscoped read over a plain pg connection: one bare round trip. */
  rawPgP50Ms: number
  /**
   * The floor of a scoped read over a plain pg connection: `BEGIN` and the same
   * tenant lookup + SET LOCALs in one round trip, the read, `COMMIT`.
   */
  floorScopedP50Ms: number
  /** floorScoped − rawPg: what the scope costs PostgreSQL and the network at least. */
  floorOverheadP50Ms: number
  /** `sequelize.transaction()` with nothing inside (START TRANSACTION + COMMIT through Sequelize). */
  emptyTransactionP50Ms: number
}

const READ = 'SELECT id, name, email FROM customers WHERE id = $1'

/** The core's ENTER_SCOPE_SQL with the schema as a literal, so it can share a simple-protocol round trip with BEGIN. */
function floorEnterScopeSql(schema: string): string {
  return `BEGIN;
SELECT t.status, t.role,
       CASE WHEN t.status = 'active' THEN set_config('search_path', format('%I, public', t.schema), true) END AS search_path,
       CASE WHEN t.status = 'active' THEN set_config('role', t.role, true) END AS role_set
  FROM public.tenants t
 WHERE t.schema = ${quoteLiteral(schema)}`
}

interface Target {
  schema: string
  id: string
  unscopedSql: string
  enterScopeSql: string
}

/**
 * A primary-key read inside `withTenant` — read-only, as a read is (BEGIN READ
 * ONLY, tenant lookup with SET LOCAL search_path and role, and the read in one
 * flight; COMMIT not waited for), and also read-write (COMMIT waited for) —
 * against the same read without scope
 * (schema-qualified, through the same pool). Both alternate on the same tenants
 * so neither gets warmer caches; the plain-pg variants give the floor.
 */
export async function benchScopedRead(ctx: BenchContext, iterations: number): Promise<ScopedReadResult> {
  const { tenancy, db } = ctx.service
  const tenants = ctx.schemas.slice(0, Math.min(100, ctx.schemas.length))
  ctx.progress(`scoped read: seeding ${tenants.length} tenants, then ${iterations} reads of each kind`)
  const targets: Target[] = []
  for (const schema of tenants) {
    const [row] = await tenancy.withTenant(schema, (scope) =>
      scope.query<{ id: string }>('INSERT INTO customers (name, email) VALUES ($1, $2) RETURNING id', [
        `Customer of ${schema}`,
        `someone@${schema}.example`,
      ]),
    )
    if (!row) throw new Error(`no customer inserted in ${schema}`)
    targets.push({
      schema,
      id: row.id,
      unscopedSql: READ.replace('customers', qualified(schema, 'customers')),
      enterScopeSql: floorEnterScopeSql(schema),
    })
  }

  const raw = await connectPlain(ctx.service.url)
  try {
    const expectOne = (rows: unknown[], what: string, t: Target): void => {
      if (rows.length !== 1) throw new Error(`${what} read in ${t.schema} found ${rows.length} rows`)
    }
    const kinds = {
      scoped: async (t: Target) =>
        expectOne(await tenancy.withTenant(t.schema, (scope) => scope.query(READ, [t.id]), { readOnly: true }), 'scoped', t),
      readWriteScoped: async (t: Target) =>
        expectOne(await tenancy.withTenant(t.schema, (scope) => scope.query(READ, [t.id])), 'read-write scoped', t),
      unscoped: async (t: Target) => expectOne(await db.rows(t.unscopedSql, [t.id]), 'unscoped', t),
      rawPg: async (t: Target) => expectOne((await raw.query(t.unscopedSql, [t.id])).rows, 'plain', t),
      floorScoped: async (t: Target) => {
        await raw.query(t.enterScopeSql)
        const { rows } = await raw.query(READ, [t.id])
        await raw.query('COMMIT')
        expectOne(rows, 'floor scoped', t)
      },
      emptyTransaction: async () => {
        await db.sequelize.transaction(() => Promise.resolve())
      },
    }
    type Kind = keyof typeof kinds
    const order: Kind[] = ['scoped', 'unscoped', 'readWriteScoped', 'rawPg', 'floorScoped', 'emptyTransaction']
    const samples = Object.fromEntries(order.map((k) => [k, [] as number[]])) as Record<Kind, number[]>
    const trips: Record<Kind, number> = { scoped: 0, unscoped: 0, readWriteScoped: 0, rawPg: 0, floorScoped: 0, emptyTransaction: 0 }
    const inPg: Record<Kind, number> = { ...trips }

    const warmup = Math.min(500, iterations)
    for (let i = 0; i < warmup + iterations; i++) {
      const t = targets[i % targets.length] as Target
      // Rotate the order so no kind always runs right after another one.
      for (let k = 0; k < order.length; k++) {
        const kind = order[(i + k) % order.length] as Kind
        const tripsBefore = roundTrips()
        const pgBefore = queryMs()
        const start = performance.now()
        await kinds[kind](t)
        const ms = performance.now() - start
        if (i < warmup) continue
        samples[kind].push(ms)
        trips[kind] += roundTrips() - tripsBefore
        inPg[kind] += queryMs() - pgBefore
      }
    }

    const s = summarize(samples.scoped)
    const u = summarize(samples.unscoped)
    const rw = summarize(samples.readWriteScoped)
    const rawP50 = summarize(samples.rawPg).p50
    const floorP50 = summarize(samples.floorScoped).p50
    const clientSide = (kind: Kind): number => round3((samples[kind].reduce((a, b) => a + b, 0) - inPg[kind]) / iterations)
    return {
      iterations,
      tenantsRead: targets.length,
      scopedP50Ms: round3(s.p50),
      scopedP99Ms: round3(s.p99),
      unscopedP50Ms: round3(u.p50),
      unscopedP99Ms: round3(u.p99),
      overheadP50Ms: round3(s.p50 - u.p50),
      overheadP99Ms: round3(s.p99 - u.p99),
      roundTripsScoped: round3(trips.scoped / iterations),
      roundTripsUnscoped: round3(trips.unscoped / iterations),
      readWriteScopedP50Ms: round3(rw.p50),
      readWriteScopedP99Ms: round3(rw.p99),
      readWriteOverheadP50Ms: round3(rw.p50 - u.p50),
      roundTripsReadWriteScoped: round3(trips.readWriteScoped / iterations),
      scopedClientSideMeanMs: clientSide('scoped'),
      unscopedClientSideMeanMs: clientSide('unscoped'),
      rawPgP50Ms: round3(rawP50),
      floorScopedP50Ms: round3(floorP50),
      floorOverheadP50Ms: round3(floorP50 - rawP50),
      emptyTransactionP50Ms: round3(summarize(samples.emptyTransaction).p50),
    }
  } finally {
    await raw.end()
  }
}
