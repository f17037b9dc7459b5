import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { migration as m0001 } from './0001_create_customers_orders.ts'
import { migration as m0002 } from './0002_create_users.ts'

/** Migrations of every tenant schema, in order. A unit test checks this list matches the folder. */
export const tenantMigrations: readonly MigrationDefinition[] = [m0001, m0002]
