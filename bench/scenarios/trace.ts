import type { BenchContext } from '../context.ts'
import { fleetMigration } from '../fleet-migrations.ts'
import { captureStatements } from '../round-trips.ts'

/** The SQL of each round trip one operation makes, in order. */
export interface TraceResult {
  createTenant: string[]
  scopedRead: string[]
  migrateOneSchema: string[]
  dropTenant: string[]
}

/** Statements shortened to one line, enough to tell them apart. */
function oneLine(sql: string): string {
  const pipelined = sql.startsWith('  ⤷')
  const flat = `${pipelined ? '  ⤷ ' : ''}${sql.replace(/^\s+⤷ /, '').replace(/\s+/g, ' ').trim()}`
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat
}

/**
 * Records every round trip of one createTenant, one scoped read, one schema's
 * migration and one drop — where the time goes when a ratio is off. Runs on a
 * tenant of its own, dropped at the end, so the other figures are untouched.
 */
export async function traceStatements(ctx: BenchContext): Promise<TraceResult> {
  ctx.progress('tracing round trips of one tenant')
  const schema = 'trace_tenant'
  const { tenancy } = ctx.service
  const createTenant = await captureStatements(() => tenancy.createTenant({ name: 'Trace', schema }))
  const scopedRead = await captureStatements(() =>
    tenancy.withTenant(schema, (scope) => scope.query('SELECT id, name, email FROM customers WHERE id = $1', [1])),
  )
  // Only the trace migration is pending for this tenant: the statements of exactly one schema migration.
  const migrator = ctx.service.withMigrations([...tenancy.migrations.tenant, fleetMigration('trace')])
  const migrateOneSchema = await captureStatements(() => migrator.migrate({ tenant: true, schema }))
  const dropTenant = await captureStatements(() => tenancy.dropTenant(schema))
  return {
    createTenant: createTenant.map(oneLine),
    scopedRead: scopedRead.map(oneLine),
    migrateOneSchema: migrateOneSchema.map(oneLine),
    dropTenant: dropTenant.map(oneLine),
  }
}
