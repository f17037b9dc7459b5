import type pg from 'pg'
import type { Database } from '../electron/main/db/database.ts'
import type { MigrationDefinition } from '../electron/main/migrations/types.ts'
import type { Tenancy } from '../electron/main/tenancy/service.ts'

/** What every scenario works on: the service's database and the floor's, side by side on one server. */
export interface BenchContext {
  /** The database the tenancy core manages. */
  service: {
    database: string
    url: string
    db: Database
    tenancy: Tenancy
    /** A Tenancy over the same pool with a different tenant migration list (for the fleet runs). */
    withMigrations(tenant: readonly MigrationDefinition[]): Tenancy
  }
  /** A second database that receives the same SQL over one plain pg connection. */
  floor: {
    database: string
    url: string
    client: pg.Client
  }
  /** Schemas of the N measured tenants, in creation order (the same names in both databases). */
  schemas: string[]
  progress(message: string): void
}

/** The i-th measured tenant (0-based): `t00001`, `t00002`, … */
export function tenantSchema(index: number): string {
  return `t${String(index + 1).padStart(5, '0')}`
}
