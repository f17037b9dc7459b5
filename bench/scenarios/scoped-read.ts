import { connectPlain } from '../pg-client.ts'
import { schemaLockKey } from '../../electron/main/db/lock-keys.ts'
import { qualified, quoteLiteral } from '../../electron/main/db/sql.ts'
import type { BenchContext } from '../context.ts'
import { queryMs, roundTrips } from '../round-trips.ts'
import { round3, summarize } from '../stats.ts'
import { seededRandom, shuffled } from '../../electron/main/rollout/seeded-random.ts'

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
   * The floor of a read-only scoped read over a plain pg connection: BEGIN READ ONLY,
   * the core's own schemata_enter_tenant, the read and COMMIT in ONE round trip.
   */
  floorScopedP50Ms: number
  /** The same floor for a read-write scope (BEGIN without READ ONLY). */
  floorReadWriteScopedP50Ms: number
  /** floorScoped − rawPg: what the scope costs PostgreSQL and the network at least. */
  floorOverheadP50Ms: number
  /** scoped − floorScoped and readWriteScoped − floorReadWriteScoped: the core's own cost over the least a scoped read needs. */
  overheadOverFloorP50Ms: number
  readWriteOverheadOverFloorP50Ms: number
  /** scoped − rawPg: the scope and the pool against the bare read on a plain connection. */
  overheadOverPlainP50Ms: number
  /** `sequelize.transaction()` with nothing inside (START TRANSACTION + COMMIT through Sequelize). */
  emptyTransactionP50Ms: number
}

const READ = 'SELECT id, name, email FROM customers WHERE id = $1'

/**
 * The floor of a scoped read: what the core's scope sends, in ONE simple-protocol
 * round trip over a plain connection — BEGIN, the very function the core calls to
 * enter the tenant (lock, search_path, role), the read with its id as a literal,
 * and COMMIT. Nothing can do a scoped read with fewer trips or less server work.
 */
function floorScopedSql(schema: string, id: string, readOnly: boolean): string {
  return `BEGIN${readOnly ? ' READ ONLY' : ''};
SELECT public.schemata_enter_tenant(${quoteLiteral(schema)}, ${schemaLockKey(schema)});
${READ.replace('$1', quoteLiteral(id))};
COMMIT`
}

interface Target {
  schema: string
  id: string
  unscopedSql: string
  floorReadOnlySql: string
  floorReadWriteSql: string
}

/**
 * A primary-key read inside `withTenant` — read-only, as a read is (BEGIN READ
 * ONLY, tenant lookup with SET LOCAL search_path and role, and the read in one
 * flight; COMMIT not waited for), and also read-write (COMMIT waited for) —
 * against the same read without scope
 * (schema-qualified, through the same pool). All kinds take turns on the same
 * tenants in a shuffled order, so none gets warmer caches or always follows
 * another; the plain-pg variants give the floor.
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
      floorReadOnlySql: floorScopedSql(schema, row.id, true),
      floorReadWriteSql: floorScopedSql(schema, row.id, false),
    })
  }

  const raw = await connectPlain(ctx.service.url)
  try {
    const expectOne = (rows: unknown[], what: string, t: Target): void => {
      if (rows.length !== 1) throw new Error(`${what} read in ${t.schema} found ${rows.length} rows`)
    }
    // A simple-protocol batch answers with one result per statement: the read is the third.
    const readOf = (results: unknown): unknown[] => {
      const read = Array.isArray(results) ? (results[2] as { rows?: unknown[] } | undefined) : undefined
      return read?.rows ?? []
    }
    const kinds = {
      scoped: async (t: Target) =>
        expectOne(await tenancy.withTenant(t.schema, (scope) => scope.query(READ, [t.id]), { readOnly: true }), 'scoped', t),
      readWriteScoped: async (t: Target) =>
        expectOne(await tenancy.withTenant(t.schema, (scope) => scope.query(READ, [t.id])), 'read-write scoped', t),
      unscoped: async (t: Target) => expectOne(await db.rows(t.unscopedSql, [t.id]), 'unscoped', t),
      rawPg: async (t: Target) => expectOne((await raw.query(t.unscopedSql, [t.id])).rows, 'plain', t),
      floorScoped: async (t: Target) => expectOne(readOf(await raw.query(t.floorReadOnlySql)), 'floor scoped', t),
      floorReadWriteScoped: async (t: Target) => expectOne(readOf(await raw.query(t.floorReadWriteSql)), 'floor read-write scoped', t),
      emptyTransaction: async () => {
        await db.sequelize.transaction(() => Promise.resolve())
      },
    }
    type Kind = keyof typeof kinds
    const order: Kind[] = ['scoped', 'unscoped', 'readWriteScoped', 'rawPg', 'floorScoped', 'floorReadWriteScoped', 'emptyTransaction']
    const random = seededRandom(0x5c4e)
    const samples = Object.fromEntries(order.map((k) => [k, [] as number[]])) as Record<Kind, number[]>
    const trips = Object.fromEntries(order.map((k) => [k, 0])) as Record<Kind, number>
    const inPg: Record<Kind, number> = { ...trips }

    const warmup = Math.min(500, iterations)
    for (let i = 0; i < warmup + iterations; i++) {
      const t = targets[i % targets.length] as Target
      // A fresh order each iteration: no kind always runs right after another one, so an
      // unwaited COMMIT of the read-only scope lands on every kind alike (a fixed rotation
      // kept the baseline right after it and charged the scope's tail to the baseline).
      for (const kind of shuffled(order, random)) {
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
    const floorRwP50 = summarize(samples.floorReadWriteScoped).p50
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
      floorReadWriteScopedP50Ms: round3(floorRwP50),
      floorOverheadP50Ms: round3(floorP50 - rawP50),
      overheadOverFloorP50Ms: round3(s.p50 - floorP50),
      readWriteOverheadOverFloorP50Ms: round3(rw.p50 - floorRwP50),
      overheadOverPlainP50Ms: round3(s.p50 - rawP50),
      emptyTransactionP50Ms: round3(summarize(samples.emptyTransaction).p50),
    }
  } finally {
    await raw.end()
  }
}
