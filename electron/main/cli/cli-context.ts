import type pg from 'pg'
import type { DatabaseTarget } from '../db/connect.ts'
import { databaseTargetFor } from '../project/database-target.ts'
import type { Project } from '../project/project.ts'
import type { Tenancy } from '../tenancy/service.ts'
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
  /**
   * One plain pg client of the same database for the duration of `fn` (the
   * embedded server handled as by withTenancy), for a read that needs neither
   * Sequelize nor the core, which take most of a short command's time to load.
   */
  withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>
}

/** The context of one command run against `project` (already loaded and validated). */
export function createCliContext(io: CliIo, env: NodeJS.ProcessEnv, project: Project): CliContext {
  const target = databaseTargetFor(project, env)
  const onProgress = (step: string): void => io.err(step)
  return {
    io,
    project,
    target,
    env,
    async withTenancy(fn, options) {
      // Loaded here, not at the top: Sequelize, umzug and the core are most of a command's start-up.
      const [{ connect }, { pendingSharedMigrations }, { Tenancy }] = await Promise.all([
        import('../db/connect.ts'),
        import('../migrations/migrate-schemas.ts'),
        import('../tenancy/service.ts'),
      ])
      const connection = await connect(target, { onProgress })
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
    async withClient(fn) {
      const { withPlainClient } = await import('./plain-client.ts')
      return withPlainClient(target, onProgress, fn)
    },
  }
}
