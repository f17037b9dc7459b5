import { embeddedStatus, startEmbedded, stopEmbedded } from './embedded-server.ts'
import { joinServer, leaveServer, recordStartedOnDemand } from './server-users.ts'

/*
 * This process's use of the embedded server, apart from any database layer:
 * connect() opens the Sequelize pool over it, and a CLI read that needs one
 * plain pg client (tenant list) uses it without loading Sequelize.
 */

/** The embedded server of a data directory, held for this process until `leave`. */
export interface EmbeddedLease {
  /** The admin login's URL of the app's database. */
  url: string
  /** Whether this process started the server. */
  startedHere: boolean
  /** Gives the lease back, which stops the server if no other process uses it (and it was started on demand, not by `db start`). */
  leave(): Promise<boolean>
}

/** Joins the users of the embedded server in `dataDir`, starting it on demand (or reusing one that runs). */
export async function leaseEmbedded(
  dataDir: string,
  options: { onProgress?: (step: string) => void; label?: string } = {},
): Promise<EmbeddedLease> {
  // The lease first: from here on the server is not stopped under this process by another one leaving.
  const lease = await joinServer(dataDir, options.label ?? defaultLabel())
  const leave = (): Promise<boolean> =>
    leaveServer(
      lease,
      () => stopEmbedded(dataDir),
      async () => (await embeddedStatus(dataDir)).pid,
    )
  try {
    const server = await startEmbedded({ dataDir, ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
    if (server.startedHere) await recordStartedOnDemand(dataDir, server.pid)
    return { url: server.url, startedHere: server.startedHere, leave }
  } catch (error) {
    await leave().catch(() => false)
    throw error
  }
}

/** `schemata tenant list`, from this process's command line. */
function defaultLabel(): string {
  const args = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
  return `schemata ${args.slice(0, 2).join(' ')}`.trim().slice(0, 80)
}
