import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { migration as m0001 } from './0001_create_registry.ts'
import { migration as m0002 } from './0002_registry_change_notify.ts'
import { migration as m0003 } from './0003_enter_tenant_function.ts'
import { migration as m0004 } from './0004_tenant_lifecycle.ts'

/** Migrations of `public`, in order. A unit test checks this list matches the folder. */
export const sharedMigrations: readonly MigrationDefinition[] = [m0001, m0002, m0003, m0004]
