import { connect, type DatabaseTarget } from '../db/connect.ts'
import { pendingSharedMigrations } from '../migrations/migrate-schemas.ts'
import { databaseTargetFor } from '../project/database-target.ts'
import type { Project } from '../project/project.ts'
import { Tenancy } from '../tenancy/service.ts'
import type { CliIo } from './cli-io.ts'

/** What every command gets: its output, the open project, its database target, and a way to open the tenancy core. */
export interface CliContext {
  io: CliIo
  project: Project
  target: DatabaseTarget
  /** The environment the command runs in (SCHEMATA_DEMO, BROWSER, …). */
  env: NodeJS.ProcessEnv
  /**
   * Opens the core for the duration of `fn`, starting the embedded server on
   * demand (and stopping it after, if this command started it). With
   * `ensureShared`, pending shared migrations are applied first so the registry exists.
   */
  withTenancy<T>(fn: (tenancy: Tenancy) => Promise<T>, options?: { ensureShared?: boolean }): Promise<T>
}

/** The context of one command run against `project` (already loaded and validated). */
export function createCliContext(io: CliIo, env: NodeJS.ProcessEnv, project: Project): CliContext {
  const target = databaseTargetFor(project, env)
  return {
    io,
    project,
    target,
    env,
    async withTenancy(fn, options) {
      const connection = await connect(target, { onProgress: (step) => io.err(step) })
      const tenancy = new Tenancy(connection.db, { project })
      try {
        if (options?.ensureShared && (await pendingSharedMigrations(connection.db, tenancy.migrations)).length > 0) {
          await tenancy.migrate({ shared: true })
        }
        return await fn(tenancy)
      } finally {
        await tenancy.resolver.close()
        await connection.release()
      }
    },
  }
}
