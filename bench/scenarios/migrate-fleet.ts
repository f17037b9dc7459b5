import pg from 'pg'
import { connectPlain } from '../pg-client.ts'
import { defaultConcurrency } from '../../electron/main/migrations/migrate-schemas.ts'
import { runBounded } from '../../electron/main/migrations/run-bounded.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import type { BenchContext } from '../context.ts'
import { fleetMigration } from '../fleet-migrations.ts'
import { captureMigrationSql, floorMigrateSchemaSql } from '../floor.ts'
import { queryMs, roundTrips } from '../round-trips.ts'
import { round3, summarize } from '../stats.ts'

export interface FleetRun {
  concurrency: number
  schemas: number
  /** Timed runs of each side (ABBA rounds × 2, after one untimed warm-up run each); the figures are each side's median run. */
  runsPerSide: number
  totalMs: number
  /** Spread of each side's timed runs: fastest and slowest total. */
  minTotalMs: number
  maxTotalMs: number
  floorMinTotalMs: number
  floorMaxTotalMs: number
  perSchemaMs: number
  floorTotalMs: number
  floorPerSchemaMs: number
  ratioToFloor: number
  /** perSchemaMs − floorPerSchemaMs. */
  overheadPerSchemaMs: number
  roundTripsPerSchema: number
  floorRoundTripsPerSchema: number
  /** Concurrency 1 only (queries overlap otherwise): per schema, wall time not spent waiting on pg. */
  clientSideMsPerSchema?: number
}

export interface MigrateFleetResult {
  tenants: number
  /** Of the default-concurrency run: the figure the target is about. */
  ratioToFloor: number
  concurrency1: FleetRun
  defaultConcurrency: FleetRun
}

/**
 * The floor of a fleet migration: list the schemas, then one round-trip transaction
 * per schema over `clients` — plain connections opened once per concurrency and kept
 * across runs, as the core keeps its pool (opening them per run handicapped the floor).
 */
async function floorFleet(ctx: BenchContext, clients: readonly pg.Client[], migration: MigrationDefinition): Promise<{ ms: number; trips: number }> {
  const [captured] = await captureMigrationSql([migration])
  if (!captured) throw new Error('no migration captured')
  const trips = roundTrips()
  const start = performance.now()
  const { rows } = await (clients[0] as pg.Client).query<{ schema: string }>('SELECT schema FROM public.tenants ORDER BY schema')
  const idle = [...clients]
  await runBounded(rows, clients.length, async ({ schema }) => {
    const client = idle.pop() as pg.Client
    try {
      await client.query(floorMigrateSchemaSql(schema, captured))
    } finally {
      idle.push(client)
    }
  })
  return { ms: performance.now() - start, trips: roundTrips() - trips }
}

/**
 * Applies a new tenant migration (nullable column + index) to every tenant,
 * through `migrateSchemas` and through the floor, at concurrency 1 and at the
 * core's default, twice each. Each run adds its own migration, so each has the
 * same work to do.
 * Also returns the tenant migration list every schema has applied afterwards.
 */
export async function benchMigrateFleet(
  ctx: BenchContext,
): Promise<{ result: MigrateFleetResult; applied: MigrationDefinition[] }> {
  const tenants = ctx.schemas.length
  const applied: MigrationDefinition[] = [...ctx.service.tenancy.migrations.tenant]
  const serviceFleet = async (concurrency: number, tag: string): Promise<{ ms: number; trips: number; inQueryMs: number }> => {
    const migration = fleetMigration(tag)
    applied.push(migration)
    const tenancy = ctx.service.withMigrations(applied)
    ctx.progress(`fleet migration ${migration.name} over ${tenants} schemas at concurrency ${concurrency}: migrateSchemas`)
    const trips = roundTrips()
    const inQuery = queryMs()
    const start = performance.now()
    const report = await tenancy.migrate({ tenant: true, concurrency })
    const ms = performance.now() - start
    if (report.counts.failed > 0 || report.counts.migrated !== tenants) {
      throw new Error(`fleet migration did not apply everywhere: ${JSON.stringify(report.counts)}`)
    }
    return { ms, trips: roundTrips() - trips, inQueryMs: queryMs() - inQuery }
  }
  // Floor, core, core, floor (ABBA) rounds, and each side's median run with its spread: a slow
  // spell of the machine in the middle or at either end cannot favour one side, and one lucky
  // run cannot stand for a side. At least 3 rounds (6 timed runs a side); a run over few schemas
  // lasts tens of milliseconds, where one slow fsync of this VM's disk moves the figure by a
  // third, so small fleets get more rounds: at least ~1,000 schema migrations per side.
  const rounds = Math.min(10, Math.max(3, Math.ceil(1000 / Math.max(1, tenants))))
  const run = async (concurrency: number, tag: string): Promise<FleetRun> => {
    // The floor's connections: opened once, warmed by an untimed run like the core's pool
    // and catalog caches are warmed by the core's own untimed run, kept for every timed run.
    const clients = await Promise.all(Array.from({ length: concurrency }, () => connectPlain(ctx.floor.url)))
    try {
      const floorRun = async (runTag: string): Promise<{ ms: number; trips: number }> => {
        const migration = fleetMigration(runTag)
        ctx.progress(`fleet migration ${migration.name} over ${tenants} schemas at concurrency ${concurrency}: floor`)
        return floorFleet(ctx, clients, migration)
      }
      await floorRun(`${tag}_warm`)
      await serviceFleet(concurrency, `${tag}_warm`)
      const floors: { ms: number; trips: number }[] = []
      const services: { ms: number; trips: number; inQueryMs: number }[] = []
      for (let round = 0; round < rounds; round++) {
        floors.push(await floorRun(`${tag}_${round}a`))
        services.push(await serviceFleet(concurrency, `${tag}_${round}a`))
        services.push(await serviceFleet(concurrency, `${tag}_${round}b`))
        floors.push(await floorRun(`${tag}_${round}b`))
      }
      return fleetRun(concurrency, tenants, rounds * 2, services, floors)
    } finally {
      await Promise.all(clients.map((client) => client.end()))
    }
  }
  const serial = await run(1, 'c1')
  const concurrent = await run(defaultConcurrency(ctx.service.db), 'cdefault')
  return {
    result: { tenants, ratioToFloor: concurrent.ratioToFloor, concurrency1: serial, defaultConcurrency: concurrent },
    applied,
  }
}

/** Each side's median run (with its spread), the ratio of the medians, and the median run's round trips. */
function fleetRun(
  concurrency: number,
  tenants: number,
  runsPerSide: number,
  services: readonly { ms: number; trips: number; inQueryMs: number }[],
  floors: readonly { ms: number; trips: number }[],
): FleetRun {
  const median = <R extends { ms: number }>(runs: readonly R[]): R => {
    const sorted = [...runs].sort((a, b) => a.ms - b.ms)
    return sorted[Math.floor((sorted.length - 1) / 2)] as R
  }
  const service = median(services)
  const floor = median(floors)
  const serviceSpread = summarize(services.map((r) => r.ms))
  const floorSpread = summarize(floors.map((r) => r.ms))
  return {
    concurrency,
    schemas: tenants,
    runsPerSide,
    totalMs: round3(service.ms),
    minTotalMs: round3(serviceSpread.min),
    maxTotalMs: round3(serviceSpread.max),
    floorMinTotalMs: round3(floorSpread.min),
    floorMaxTotalMs: round3(floorSpread.max),
    perSchemaMs: round3(service.ms / tenants),
    floorTotalMs: round3(floor.ms),
    floorPerSchemaMs: round3(floor.ms / tenants),
    ratioToFloor: round3(service.ms / floor.ms),
    overheadPerSchemaMs: round3((service.ms - floor.ms) / tenants),
    roundTripsPerSchema: round3(service.trips / tenants),
    floorRoundTripsPerSchema: round3(floor.trips / tenants),
    ...(concurrency === 1 ? { clientSideMsPerSchema: round3((service.ms - service.inQueryMs) / tenants) } : {}),
  }
}
