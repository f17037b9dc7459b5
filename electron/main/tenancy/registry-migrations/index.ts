import type { MigrationDefinition } from '../../migrations/types.ts'
import { migration as m0001 } from './0001_create_registry.ts'
import { migration as m0002 } from './0002_registry_change_notify.ts'
import { migration as m0003 } from './0003_enter_tenant_function.ts'
import { migration as m0004 } from './0004_tenant_lifecycle.ts'
import { migration as m0005 } from './0005_tenant_types_checksums.ts'
import { migration as m0006 } from './0006_no_temp_for_tenants.ts'
import { migration as m0007 } from './0007_migration_runs.ts'

/**
 * Schemata's own migrations of `public` (the tenant registry, the central
 * ledger, the scope function), applied before any project's shared
 * migrations and recorded in the same ledger, `public.schemata_migrations`.
 * They are part of the code, not of a project, so they are registered
 * statically; a unit test checks this list matches the folder. A project's
 * shared migration may not reuse one of these names.
 */
export const registryMigrations: readonly MigrationDefinition[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007]
