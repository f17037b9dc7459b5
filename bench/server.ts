import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectPlain } from './pg-client.ts'
import { embeddedSuperuserUrl, startEmbedded, stopEmbedded } from '../electron/main/db/embedded-server.ts'
import { dataDirLayout } from '../electron/main/db/data-dir.ts'
import { quoteIdent } from '../electron/main/db/sql.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/** `<repo>/.test-data/bench-<pid>`: under the repo (gitignored), as the integration tests do, because as root the cluster belongs to `postgres`. */
export function defaultBenchDataDir(): string {
  return path.join(repoRoot, '.test-data', `bench-${process.pid}`)
}

/** A fresh embedded server for one bench run, with one database per measured side. */
export interface BenchServer {
  dataDir: string
  /** Postmaster pid: its children are the backends whose memory is measured. */
  postmasterPid: number
  serverVersion: string
  /** URL of a database made for this run. */
  urlOf(database: string): string
  createDatabase(name: string): Promise<string>
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>
}

/** SIGKILLs the bench server's postmaster (its backends exit with it); false when there was none to kill. */
async function killPostmaster(dataDir: string): Promise<boolean> {
  const pidFile = await readFile(path.join(dataDirLayout(dataDir).pg, 'postmaster.pid'), 'utf8').catch(() => '')
  const pid = Number(pidFile.split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return false
  }
  // Wait for it to be gone, so the directory is not removed under it.
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0)
    } catch {
      return true
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}

const destroying = new Map<string, Promise<void>>()

/**
 * Stops a bench server and removes its data directory; safe when neither exists
 * any more. Concurrent calls (a signal handler and the run's own cleanup) share
 * one attempt, so the directory is not removed under a server still stopping.
 */
export function destroyBenchServer(dataDir: string): Promise<void> {
  let pending = destroying.get(dataDir)
  if (!pending) {
    pending = (async () => {
      try {
        await stopEmbedded(dataDir).catch(async (error: unknown) => {
          // A throwaway cluster needs no shutdown checkpoint: after many tenants on a slow disk
          // a clean stop can outlast pg_ctl's wait. Never remove the directory under a live server.
          const killed = await killPostmaster(dataDir)
          if (!killed) throw error
        })
      } finally {
        await rm(dataDir, { recursive: true, force: true })
      }
    })()
    destroying.set(dataDir, pending)
    void pending.finally(() => destroying.delete(dataDir)).catch(() => undefined)
  }
  return pending
}

/** Starts the embedded PostgreSQL the product ships, in a brand-new data directory. */
export async function startBenchServer(dataDir: string): Promise<BenchServer> {
  await rm(dataDir, { recursive: true, force: true })
  let conn
  try {
    conn = await startEmbedded({ dataDir, database: 'postgres' })
  } catch (error) {
    await destroyBenchServer(dataDir)
    throw error
  }
  // The app's own login (not a superuser) runs everything measured; only CREATE DATABASE takes the superuser.
  const adminUrl = conn.url
  const superuserUrl = await embeddedSuperuserUrl(dataDir, 'postgres')
  const urlOf = (database: string): string => {
    const url = new URL(adminUrl)
    url.pathname = `/${encodeURIComponent(database)}`
    return url.toString()
  }
  return {
    dataDir,
    postmasterPid: conn.pid,
    serverVersion: conn.serverVersion ?? 'unknown',
    urlOf,
    async createDatabase(name) {
      const client = await connectPlain(superuserUrl)
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(conn.user)}`)
      } finally {
        await client.end()
      }
      return urlOf(name)
    },
    destroy: () => destroyBenchServer(dataDir),
  }
}
