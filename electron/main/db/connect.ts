import { homedir } from 'node:os'
import { defaultDataDir } from './data-dir.ts'
import { Database, type DatabaseMode } from './database.ts'
import { startEmbedded, stopEmbedded } from './embedded-server.ts'

/** Where the database comes from, decided once from the environment. */
export interface DatabaseTarget {
  mode: DatabaseMode
  /** External mode: the DATABASE_URL. */
  url?: string
  /** External mode behind a pooler: DIRECT_DATABASE_URL, a direct connection for LISTEN. */
  directUrl?: string
  /** Embedded mode: the data root (holds `pg/`, credentials and the log). */
  dataDir?: string
}

/** `DATABASE_URL` means external PostgreSQL; otherwise the embedded server in SCHEMATA_DATA_DIR or the app-data dir. */
export function targetFromEnvironment(env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  const url = env.DATABASE_URL?.trim()
  const directUrl = env.DIRECT_DATABASE_URL?.trim()
  if (url) return directUrl ? { mode: 'external', url, directUrl } : { mode: 'external', url }
  return { mode: 'embedded', dataDir: defaultDataDir({ env, platform: process.platform, homedir: homedir() }) }
}

export interface Connection {
  db: Database
  /** Closes the pool and stops the embedded server if this call started it (or `keepRunning` was not set). */
  release(): Promise<void>
  /** Whether this process started the embedded server. */
  startedHere: boolean
}

/**
 * Opens the database: connects to DATABASE_URL, or starts the embedded server on
 * demand (reusing one that already runs for the same data directory).
 */
export async function connect(
  target: DatabaseTarget,
  options: { poolMax?: number; onProgress?: (step: string) => void; keepRunning?: boolean } = {},
): Promise<Connection> {
  if (target.mode === 'external') {
    if (!target.url) throw new Error('external mode needs a DATABASE_URL')
    const db = new Database({
      url: target.url,
      mode: 'external',
      ...(target.directUrl ? { directUrl: target.directUrl } : {}),
      ...(options.poolMax ? { poolMax: options.poolMax } : {}),
    })
    return { db, startedHere: false, release: () => db.close() }
  }
  const dataDir = target.dataDir as string
  const server = await startEmbedded({ dataDir, ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
  const db = new Database({
    url: server.url,
    mode: 'embedded',
    dataDir,
    ...(options.poolMax ? { poolMax: options.poolMax } : {}),
  })
  return {
    db,
    startedHere: server.startedHere,
    async release() {
      await db.close()
      // Leave a server running that someone else started (`schemata db start`, the app, `serve`).
      if (server.startedHere && !options.keepRunning) await stopEmbedded(dataDir)
    },
  }
}
