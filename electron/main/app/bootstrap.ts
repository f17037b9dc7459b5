import { connect, type Connection, type DatabaseTarget } from '../db/connect.ts'
import { type SupervisorEvent, superviseEmbedded } from '../db/embedded-supervisor.ts'
import { Tenancy } from '../tenancy/service.ts'

export interface AppServices {
  tenancy: Tenancy
  target: DatabaseTarget
  connection: Connection
  /** Closes the pool and stops the embedded server if this process started it. */
  shutdown(): Promise<void>
}

/**
 * The start-up shared by the Electron app and `schemata serve`: open the
 * database (starting the embedded server, reporting progress on a first run's
 * initdb), apply pending migrations, subscribe to registry changes.
 */
export async function bootstrapApp(
  target: DatabaseTarget,
  options: {
    onProgress?: (step: string) => void
    keepDatabaseRunning?: boolean
    /** The embedded server died and was restarted (or could not be): for logs and the UI's status. */
    onDatabaseEvent?: (event: SupervisorEvent) => void
  } = {},
): Promise<AppServices> {
  const progress = options.onProgress ?? (() => undefined)
  const connection = await connect(target, {
    onProgress: progress,
    ...(options.keepDatabaseRunning ? { keepRunning: true } : {}),
  })
  const tenancy = new Tenancy(connection.db)
  try {
    progress('applying pending migrations…')
    await tenancy.migrate()
    await tenancy.resolver.listen()
  } catch (error) {
    await tenancy.resolver.close()
    await connection.release()
    throw error
  }
  const supervisor =
    target.mode === 'embedded' && target.dataDir !== undefined
      ? superviseEmbedded(connection.db, target.dataDir, (event) => {
          if (event.type === 'restarted') {
            // The LISTEN connection died with the server; subscribe again on the new one.
            void tenancy.resolver
              .close()
              .then(() => tenancy.resolver.listen())
              .catch(() => tenancy.resolver.invalidate())
          }
          options.onDatabaseEvent?.(event)
        })
      : undefined
  progress('ready')
  return {
    tenancy,
    target,
    connection,
    async shutdown() {
      // Stop watching first, or the supervisor would restart the server we are about to stop.
      supervisor?.stop()
      await tenancy.resolver.close()
      await connection.release()
    },
  }
}
