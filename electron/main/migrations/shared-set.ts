import type { Project } from '../project/project.ts'
import { registryMigrations } from '../tenancy/registry-migrations/index.ts'
import type { MigrationDefinition } from './types.ts'

/*
 * What `public` must hold, kept apart from the migrator so a CLI read can
 * check it without loading Sequelize or umzug.
 */

/** The migrations of `public`: Schemata's own registry first, then the project's shared tables (one list, one ledger). */
export function sharedMigrationsOf(project: Project): MigrationDefinition[] {
  return [...registryMigrations, ...project.shared]
}

/** The names of `shared` that `applied` (the names in public's ledger) lacks, in order. */
export function pendingNames(shared: readonly MigrationDefinition[], applied: Iterable<string>): string[] {
  const done = new Set(applied)
  return shared.map((m) => m.name).filter((name) => !done.has(name))
}
