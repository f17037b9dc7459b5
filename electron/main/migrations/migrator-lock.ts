import type pg from 'pg'
import type { Database } from '../db/database.ts'
import { MigratorBusyError } from '../errors.ts'
import { MIGRATOR_LOCK_CLASS } from '../db/lock-keys.ts'

/** Who holds the migrator lock, as far as pg_stat_activity can tell. */
async function describeHolder(client: pg.Client): Promise<string> {
  const result = await client.query<{ pid: number; application_name: string; backend_start: Date }>(
    `SELECT a.pid, a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = 0 AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [MIGRATOR_LOCK_CLASS],
  )
  const row = result.rows[0]
  if (!row) return 'holder unknown'
  return `backend pid ${row.pid}${row.application_name ? ` (${row.application_name})` : ''}, since ${row.backend_start.toISOString()}`
}

/**
 * Holds the database-wide migrator lock for the duration of `fn`. The lock is
 * transaction-scoped, taken in a transaction kept open on a dedicated
 * connection: it dies with the process that holds it (a killed migrator never
 * leaves it behind), and unlike a session-level lock it stays on one server
 * connection behind PgBouncer in transaction-pooling mode.
 */
export async function withMigratorLock<T>(
  db: Database,
  options: { wait: boolean; onWaiting?: (holder: string) => void },
  fn: () => Promise<T>,
): Promise<T> {
  const { client, release } = await lockConnection(db)
  let healthy = true
  try {
    await client.query("BEGIN; SET LOCAL application_name = 'schemata migrator'")
    const tried = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, 0) AS ok', [MIGRATOR_LOCK_CLASS])
    if (!tried.rows[0]?.ok) {
      const holder = await describeHolder(client)
      if (!options.wait) throw new MigratorBusyError(holder)
      options.onWaiting?.(holder)
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [MIGRATOR_LOCK_CLASS])
    }
    return await fn()
  } finally {
    // Ending the transaction releases the lock; a connection that cannot even roll back is closed, which does too.
    await client.query('ROLLBACK').catch(() => {
      healthy = false
    })
    await release(healthy)
  }
}

/**
 * The connection holding the lock's transaction: one of the pool's when the
 * pool can spare one for the whole run (a new connection costs ≈ 5 ms here,
 * most of a 100-schema run's fixed cost), a dedicated one otherwise — with a
 * pool of one, the schemas would wait forever for the connection the lock holds.
 */
async function lockConnection(db: Database): Promise<{ client: pg.Client; release: (healthy: boolean) => Promise<void> }> {
  if (db.poolMax >= 2) {
    const manager = db.sequelize.connectionManager
    const client = (await manager.getConnection({ type: 'write' })) as pg.Client
    return {
      client,
      release: async (healthy) => {
        if (healthy) manager.releaseConnection(client)
        else await manager.destroyConnection(client).catch(() => undefined)
      },
    }
  }
  const client = await db.openClient()
  // An error on an idle client would otherwise crash the process.
  client.on('error', () => undefined)
  return { client, release: () => client.end().catch(() => undefined) }
}
