import pg from 'pg'
import { connectPlain } from '../pg-client.ts'
import { defaultConcurrency } from '../../electron/main/migrations/migrate-schemas.ts'
import { runBounded } from '../../electron/main/migrations/run-bounded.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import type { BenchContext } from '../context.ts'
import { fleetMigration } from '../fleet-migrations.ts'
import { captureMigrationSql, floorMigrateSchemaSql } from '../floor.ts'
import { queryMs, roundTrips } from '../round-trips.ts'
import { round3 } from '../stats.ts'

export interface FleetRun {
  concurrency: number
  schemas: number
  /** Runs of each side (ABBA rounds × 2); the figures are each side's best run. */
  runsPerSide: number
  totalMs: number
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

/** The floor of a fleet migration: list the schemas, then one round-trip transaction per schema over `concurrency` plain connections. */
async function floorFleet(ctx: BenchContext, migration: MigrationDefinition, concurrency: number): Promise<{ ms: number; trips: number }> {
  const [captured] = await captureMigrationSql([migration])
  if (!captured) throw new Error('no migration captured')
  // Connections are opened before the clock starts: the floor is the server's work, not connection setup.
  const clients = await Promise.all(
    Array.from({ length: concurrency }, () => connectPlain(ctx.floor.url)),
  )
  try {
    const trips = roundTrips()
    const start = performance.now()
    const { rows } = await (clients[0] as pg.Client).query<{ schema: string }>('SELECT schema FROM public.tenants ORDER BY schema')
    const idle = [...clients]
    await runBounded(rows, concurrency, async ({ schema }) => {
      const client = idle.pop() as pg.Client
      try {
        await client.query(floorMigrateSchemaSql(schema, captured))
      } finally {
        idle.push(client)
      }
    })
    return { ms: performance.now() - start, trips: roundTrips() - trips }
  } finally {
    await Promise.all(clients.map((client) => client.end()))
  }
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
  const floorRun = async (concurrency: number, tag: string): Promise<{ ms: number; trips: number }> => {
    const migration = fleetMigration(tag)
    ctx.progress(`fleet migration ${migration.name} over ${tenants} schemas at concurrency ${concurrency}: floor`)
    return floorFleet(ctx, migration, concurrency)
  }
  // Floor, core, core, floor (ABBA), and the best run of each side: a slow spell of the machine
  // in the middle or at either end then cannot favour one side. A run over few schemas lasts
  // tens of milliseconds, where one slow fsync of this VM's disk moves the figure by a third,
  // so small fleets get more ABBA rounds: at least ~1,000 schema migrations per side.
  const rounds = Math.min(10, Math.max(1, Math.ceil(1000 / Math.max(1, tenants))))
  const run = async (concurrency: number, tag: string): Promise<FleetRun> => {
    const floors: { ms: number; trips: number }[] = []
    const services: { ms: number; trips: number; inQueryMs: number }[] = []
    for (let round = 0; round < rounds; round++) {
      floors.push(await floorRun(concurrency, `${tag}_${round}a`))
      services.push(await serviceFleet(concurrency, `${tag}_${round}a`))
      services.push(await serviceFleet(concurrency, `${tag}_${round}b`))
      floors.push(await floorRun(concurrency, `${tag}_${round}b`))
    }
    const best = <R extends { ms: number }>(runs: R[]): R => runs.reduce((a, b) => (b.ms < a.ms ? b : a))
    const floor = best(floors)
    const service = best(services)
    return {
      concurrency,
      schemas: tenants,
      runsPerSide: rounds * 2,
      totalMs: round3(service.ms),
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
  const serial = await run(1, 'c1')
  const concurrent = await run(defaultConcurrency(ctx.service.db), 'cdefault')
  return {
    result: { tenants, ratioToFloor: concurrent.ratioToFloor, concurrency1: serial, defaultConcurrency: concurrent },
    applied,
  }
}
