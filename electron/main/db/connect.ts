import { homedir } from 'node:os'
import { connectTimeoutFromEnvironment } from './connect-timeout.ts'
import { defaultDataDir } from './data-dir.ts'
import { Database, type DatabaseMode } from './database.ts'
import { leaseEmbedded } from './embedded-lease.ts'

/** Where the database comes from, decided once from the environment. */
export interface DatabaseTarget {
  mode: DatabaseMode
  /** External mode: the DATABASE_URL. */
  url?: string
  /** External mode behind a pooler: DIRECT_DATABASE_URL, a direct connection for LISTEN. */
  directUrl?: string
  /** Embedded mode: the data root (holds `pg/`, credentials and the log). */
  dataDir?: string
  /** How long a connection attempt may take (SCHEMATA_CONNECT_TIMEOUT; default 10 s). */
  connectTimeoutMs?: number
}

/** `DATABASE_URL` means external PostgreSQL; otherwise the embedded server in SCHEMATA_DATA_DIR or the app-data dir. */
export function targetFromEnvironment(env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  const url = env.DATABASE_URL?.trim()
  const directUrl = env.DIRECT_DATABASE_URL?.trim()
  const connectTimeoutMs = connectTimeoutFromEnvironment(env)
  if (url) return directUrl ? { mode: 'external', url, directUrl, connectTimeoutMs } : { mode: 'external', url, connectTimeoutMs }
  return { mode: 'embedded', dataDir: defaultDataDir({ env, platform: process.platform, homedir: homedir() }), connectTimeoutMs }
}

export interface Connection {
  db: Database
  /**
   * Closes the pool and gives back this process's lease on the embedded
   * server, which stops it if no other process uses it (and it was started on
   * demand, not by `db start`).
   */
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
  options: {
    poolMax?: number
    onProgress?: (step: string) => void
    /** What this process is, for `db stop` to name it while it uses the server (default: its command line). */
    label?: string
  } = {},
): Promise<Connection> {
  if (target.mode === 'external') {
    if (!target.url) throw new Error('external mode needs a DATABASE_URL')
    const db = new Database({
      url: target.url,
      mode: 'external',
      ...(target.directUrl ? { directUrl: target.directUrl } : {}),
      ...(options.poolMax ? { poolMax: options.poolMax } : {}),
      ...connectTimeout(target),
    })
    await reachableOrClosed(db)
    return { db, startedHere: false, release: () => db.close() }
  }
  const dataDir = target.dataDir as string
  const server = await leaseEmbedded(dataDir, options)
  const db = new Database({
    url: server.url,
    mode: 'embedded',
    dataDir,
    ...(options.poolMax ? { poolMax: options.poolMax } : {}),
    ...connectTimeout(target),
  })
  try {
    await reachableOrClosed(db)
  } catch (error) {
    await server.leave().catch(() => false)
    throw error
  }
  return {
    db,
    startedHere: server.startedHere,
    async release() {
      await db.close()
      await server.leave()
    },
  }
}

function connectTimeout(target: DatabaseTarget): { connectTimeoutMs?: number } {
  return target.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: target.connectTimeoutMs }
}

/** The first round trip, within the connect timeout; on failure the pool is closed so nothing keeps the process alive. */
async function reachableOrClosed(db: Database): Promise<void> {
  try {
    await db.checkReachable()
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}
