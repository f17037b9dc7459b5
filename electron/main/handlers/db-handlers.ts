import type { DbStatus } from '../../../contract/types.ts'
import type { DatabaseTarget } from '../db/connect.ts'
import type { Database } from '../db/database.ts'
import type { HealthProbe } from '../db/health-probe.ts'
import { embeddedStatus } from '../db/embedded-server.ts'
import type { HandlerTable } from './handler-types.ts'

interface ServerFacts {
  version: string
  user: string
  database: string
}

async function serverFacts(db: Database): Promise<ServerFacts> {
  const [row] = await db.rows<ServerFacts>(
    "SELECT current_setting('server_version') AS version, current_user AS user, current_database() AS database",
  )
  if (row === undefined) throw new Error('the status query returned no row')
  return row
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Status while there is no pool yet (still starting, or start-up failed): what the target says, nothing running. */
export function offlineDbStatus(target: DatabaseTarget, error?: string): DbStatus {
  const external = target.mode === 'external' && target.url !== undefined ? safeUrl(target.url) : undefined
  return {
    mode: target.mode,
    running: false,
    host: external?.hostname ?? null,
    port: external === undefined ? null : Number(external.port || 5432),
    database: external === undefined ? null : decodeURIComponent(external.pathname.slice(1)) || null,
    user: external === undefined ? null : decodeURIComponent(external.username) || null,
    serverVersion: null,
    dataDir: target.mode === 'embedded' ? (target.dataDir ?? null) : null,
    ...(error === undefined ? {} : { error }),
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    // An unparsable DATABASE_URL: connect() reports it; the status just has no address.
    return undefined
  }
}

/**
 * Reads the database status without starting or changing anything: the
 * embedded server's pid file for its port, the pool for version and login.
 * Never throws — an unreachable server is a status with `running: false`.
 */
export async function readDbStatus(target: DatabaseTarget, db: Database | undefined): Promise<DbStatus> {
  if (db === undefined) return offlineDbStatus(target)
  if (target.mode === 'embedded') {
    const dataDir = target.dataDir ?? db.dataDir ?? null
    try {
      const embedded = dataDir === null ? undefined : await embeddedStatus(dataDir)
      if (embedded !== undefined && !embedded.running) {
        return { ...offlineDbStatus(target, 'the embedded PostgreSQL server is not running'), dataDir }
      }
      const facts = await serverFacts(db)
      const port = embedded?.port ?? (Number(new URL(db.url).port) || null)
      return {
        mode: 'embedded',
        running: true,
        host: new URL(db.url).hostname,
        port,
        database: facts.database,
        user: facts.user,
        serverVersion: facts.version,
        dataDir,
      }
    } catch (error) {
      return { ...offlineDbStatus(target, message(error)), dataDir }
    }
  }
  try {
    const facts = await serverFacts(db)
    return {
      ...offlineDbStatus(target),
      running: true,
      database: facts.database,
      user: facts.user,
      serverVersion: facts.version,
    }
  } catch (error) {
    return offlineDbStatus(target, message(error))
  }
}

/** Embedded or external, address, version and data directory. */
export const dbHandlers: Pick<HandlerTable, 'db/status'> = {
  async 'db/status'(_input, _context, { target, tenancy, health }) {
    return readDbStatusWithHealth(target, tenancy.db, health)
  },
}

/**
 * The status as a long-running process sees it: while the health probe hears
 * nothing from the server, say so at once instead of asking it (the question
 * would wait as long as the server does); otherwise read it, bounded by the
 * probe (it gives up on the read when the server falls silent).
 */
export async function readDbStatusWithHealth(target: DatabaseTarget, db: Database | undefined, health: HealthProbe | undefined): Promise<DbStatus> {
  if (!health) return readDbStatus(target, db)
  try {
    return await health.whileResponding(() => readDbStatus(target, db))
  } catch {
    // readDbStatus never throws: only the probe's "not responding" lands here.
    const { state } = health
    if (state.responding) return offlineDbStatus(target)
    return {
      ...offlineDbStatus(target, `PostgreSQL is not responding: ${state.reason} (its process is there but answers nothing: frozen, stopped or overloaded). Calls fail until it answers again.`),
      ...(db?.dataDir === undefined ? {} : { dataDir: db.dataDir }),
      notRespondingSince: state.since.toISOString(),
    }
  }
}
