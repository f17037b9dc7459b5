import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import type { BenchContext } from '../context.ts'
import { fleetMigration } from '../fleet-migrations.ts'
import { round3, summarize } from '../stats.ts'

export interface WhoIsBehindResult {
  tenants: number
  /** Tenants reported behind: every one, since a migration none has applied is registered. */
  behind: number
  p50Ms: number
  maxMs: number
  /** The same call when every tenant is up to date (an empty answer). */
  upToDateP50Ms: number
  /** `listTenants`: every tenant with domains, pending migrations and size on disk. */
  listTenantsP50Ms: number
}

const RUNS = 7

async function sample(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn()
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await fn()
    ms.push(performance.now() - start)
  }
  return ms
}

/**
 * "Who is behind": `tenantsBehind()` with one registered migration that no tenant
 * has applied (the worst case: N rows back), and again with none pending.
 * `applied` is the tenant migration list every schema has applied by now.
 */
export async function benchWhoIsBehind(ctx: BenchContext, applied: readonly MigrationDefinition[]): Promise<WhoIsBehindResult> {
  ctx.progress('who is behind')
  const upToDate = ctx.service.withMigrations(applied)
  const behindAll = ctx.service.withMigrations([...applied, fleetMigration('pending')])
  let behind = 0
  const behindMs = await sample(RUNS, async () => {
    behind = (await behindAll.tenantsBehind()).length
  })
  const upToDateMs = await sample(RUNS, async () => {
    const rows = await upToDate.tenantsBehind()
    if (rows.length !== 0) throw new Error(`${rows.length} tenants unexpectedly behind`)
  })
  const listMs = await sample(3, () => behindAll.listTenants())
  const s = summarize(behindMs)
  return {
    tenants: ctx.schemas.length,
    behind,
    p50Ms: round3(s.p50),
    maxMs: round3(s.max),
    upToDateP50Ms: round3(summarize(upToDateMs).p50),
    listTenantsP50Ms: round3(summarize(listMs).p50),
  }
}
