import type { BenchContext } from '../context.ts'
import { tenantSchema } from '../context.ts'
import { type CapturedMigration, floorCreateTenantSql, floorDropTenantSql } from '../floor.ts'
import { assertSameFootprint } from '../footprint.ts'
import { queryMs, roundTrips } from '../round-trips.ts'
import { firstAndLast, round3, summarize } from '../stats.ts'

export interface FloorResult {
  tenants: number
  p50Ms: number
  p95Ms: number
  meanMs: number
  first100P50Ms: number
  last100P50Ms: number
  lastToFirstRatio: number
  roundTripsPerTenant: number
  /** Mean time per tenant spent waiting on pg queries (network + server)… */
  inQueryMeanMs: number
  /** …and the rest of the wall time: client-side work (our code, Sequelize, umzug, event loop). */
  clientSideMeanMs: number
}

export interface CreateTenantResult extends FloorResult {
  ratioToFloor: number
  /** createTenant p50 − floor p50: the core's own cost per tenant, independent of how slow the disk is. */
  overheadP50Ms: number
  /** p50 of (createTenant − floor) over the interleaved pairs: the same, immune to drift during the run. */
  pairedOverheadP50Ms: number
  p95RatioToFloor: number
  /** How many tenants the first/last windows hold: 100, or N/2 when N < 200. */
  windowSize: number
}

/*
 * A fresh cluster creates its first ~200 tenants 2–3× slower than later ones,
 * floor and core alike (measured: p50 per 100 of 24, 16, 11, 8, 8 ms). Warming up
 * with that many throwaway tenants per side keeps the start-up effect out of the
 * figures, so first-100 vs last-100 shows growth with N and nothing else.
 */
function warmupTenants(tenants: number): number {
  return Math.min(300, Math.max(5, tenants))
}

/**
 * Creates N tenants through `Tenancy.createTenant` and N through the floor SQL,
 * interleaved one by one (alternating which goes first) so both sides see the
 * same server state: the same catalog size, checkpoints and autovacuum.
 */
export async function benchCreateTenants(
  ctx: BenchContext,
  tenants: number,
  migrations: readonly CapturedMigration[],
): Promise<{ floor: FloorResult; createTenant: CreateTenantResult }> {
  const { tenancy } = ctx.service
  // The same DDL the core sends as this login: a login that is not a superuser grants itself each tenant role.
  const [me] = (await ctx.floor.client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows
  const grantToSelf = me?.rolsuper !== true
  const floorCreate = async (schema: string): Promise<void> => {
    await ctx.floor.client.query(
      floorCreateTenantSql(ctx.floor.database, { name: `Tenant ${schema}`, schema, domain: `${schema}.localhost`, type: tenancy.migrations.defaultType }, migrations, { grantToSelf }),
    )
  }
  const serviceCreate = async (schema: string): Promise<void> => {
    await tenancy.createTenant({ name: `Tenant ${schema}`, schema })
  }

  const warmup = warmupTenants(tenants)
  ctx.progress(`warming up with ${warmup} throwaway tenants per side`)
  for (let i = 0; i < warmup; i++) {
    const schema = `warmup_${i}`
    await floorCreate(schema)
    await serviceCreate(schema)
  }
  await assertSameFootprint(ctx.service.url, ctx.floor.url, 'warmup_0')
  for (let i = 0; i < warmup; i++) {
    await ctx.floor.client.query(floorDropTenantSql(ctx.floor.database, `warmup_${i}`))
    await tenancy.dropTenant(`warmup_${i}`)
  }

  // Each side's create times, and the round trips and time in PostgreSQL they took in all.
  const floorSide = { ms: [] as number[], trips: 0, queryMs: 0, create: floorCreate }
  const serviceSide = { ms: [] as number[], trips: 0, queryMs: 0, create: serviceCreate }
  const timed = async (side: typeof floorSide, schema: string): Promise<void> => {
    const trips = roundTrips()
    const inQuery = queryMs()
    const start = performance.now()
    await side.create(schema)
    side.ms.push(performance.now() - start)
    side.trips += roundTrips() - trips
    side.queryMs += queryMs() - inQuery
  }
  const floorMs = floorSide.ms
  const serviceMs = serviceSide.ms
  const step = Math.max(1, Math.floor(tenants / 10))
  for (let i = 0; i < tenants; i++) {
    const schema = tenantSchema(i)
    // Alternate which side goes first, so neither always runs on the other's warm caches.
    const sides = i % 2 === 1 ? [serviceSide, floorSide] : [floorSide, serviceSide]
    for (const side of sides) await timed(side, schema)
    ctx.schemas.push(schema)
    if ((i + 1) % step === 0) {
      const recent = summarize(serviceMs.slice(-step)).p50
      const recentFloor = summarize(floorMs.slice(-step)).p50
      ctx.progress(`  ${i + 1}/${tenants} tenants (last ${step}: createTenant p50 ${recent.toFixed(2)} ms, floor ${recentFloor.toFixed(2)} ms)`)
    }
  }

  const window = Math.min(100, Math.max(1, Math.floor(tenants / 2)))
  const describe = (samples: number[], trips: number, inQueryTotal: number): FloorResult => {
    const s = summarize(samples)
    const { firstP50, lastP50 } = firstAndLast(samples, window)
    return {
      tenants,
      p50Ms: round3(s.p50),
      p95Ms: round3(s.p95),
      meanMs: round3(s.mean),
      first100P50Ms: round3(firstP50),
      last100P50Ms: round3(lastP50),
      lastToFirstRatio: round3(lastP50 / firstP50),
      roundTripsPerTenant: round3(trips / tenants),
      inQueryMeanMs: round3(inQueryTotal / tenants),
      clientSideMeanMs: round3((s.mean * tenants - inQueryTotal) / tenants),
    }
  }
  const floor = describe(floorMs, floorSide.trips, floorSide.queryMs)
  const service = describe(serviceMs, serviceSide.trips, serviceSide.queryMs)
  return {
    floor,
    createTenant: {
      ...service,
      ratioToFloor: round3(summarize(serviceMs).p50 / summarize(floorMs).p50),
      overheadP50Ms: round3(summarize(serviceMs).p50 - summarize(floorMs).p50),
      pairedOverheadP50Ms: round3(summarize(serviceMs.map((ms, i) => ms - (floorMs[i] as number))).p50),
      p95RatioToFloor: round3(summarize(serviceMs).p95 / summarize(floorMs).p95),
      windowSize: window,
    },
  }
}
