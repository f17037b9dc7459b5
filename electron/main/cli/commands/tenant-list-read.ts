import type pg from 'pg'
import { pgErrorOf, SqlState } from '../../db/pg-error.ts'
import type { Project } from '../../project/project.ts'
import { pendingNames, sharedMigrationsOf } from '../../migrations/shared-set.ts'
import { LIST_TENANTS_SQL, type TenantRow, toTenantSummary } from '../../tenancy/tenant-list.ts'
import type { TenantSummary } from '../../tenancy/tenant-registry.ts'

/**
 * `tenant list` over one plain client, in one round trip: the shared ledger
 * and the registry's list (the core's own statement, see tenant-list.ts).
 * Undefined when the registry is missing or a shared migration is pending:
 * then the command takes the core's path, which applies them first, as it
 * always has.
 */
export async function readTenantList(client: pg.Client, project: Project): Promise<TenantSummary[] | undefined> {
  let results: pg.QueryResult[]
  try {
    // Two statements in one simple-protocol message: one round trip, and the second never runs without the first.
    results = (await client.query(`SELECT name FROM public.schemata_migrations;\n${LIST_TENANTS_SQL}`)) as unknown as pg.QueryResult[]
  } catch (error) {
    if (pgErrorOf(error)?.code === SqlState.undefinedTable) return undefined
    throw error
  }
  const [ledger, list] = results as [pg.QueryResult<{ name: string }>, pg.QueryResult<TenantRow>]
  // The same list the core applies to public, and the same test of what is pending.
  if (pendingNames(sharedMigrationsOf(project), ledger.rows.map((row) => row.name)).length > 0) return undefined
  const types = new Map(project.tenantTypes.map((type) => [type.name, type.migrations] as const))
  return list.rows.map((row) => toTenantSummary(row, types))
}
