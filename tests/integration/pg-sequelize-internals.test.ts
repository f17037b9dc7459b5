import pg from 'pg'
import { Sequelize, Transaction } from 'sequelize'
import { Umzug, type UmzugStorage } from 'umzug'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { runWithSequelizeTransaction } from '../../electron/main/db/cls.ts'
import { Database } from '../../electron/main/db/database.ts'
import { freePort } from '../../electron/main/db/free-port.ts'
import type { PipelinableClient } from '../../electron/main/db/pipelined-transaction.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * What db/pipelined-transaction.ts, db/cls.ts, Database.retarget and the
 * migration ledger storage rely on inside node-postgres, Sequelize and umzug
 * beyond their documented APIs. Each case names one assumption; an upgrade
 * that breaks one fails here, by name, instead of as a hang or a wrong
 * transaction somewhere downstream.
 */

let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'), { migrateShared: false })
})
afterAll(() => t?.drop())

async function connectedClient(): Promise<PipelinableClient> {
  const client = new pg.Client({ connectionString: t.url }) as PipelinableClient
  await client.connect()
  return client
}

describe('node-postgres', () => {
  it('has a pipeline switch: with it on, a query is written while the one before is still running', async () => {
    const client = await connectedClient()
    try {
      expect(client.pipeline).toBe(false)
      const written: string[] = []
      const stream = client.connection?.stream as unknown as { write: (chunk: Buffer | string, ...rest: unknown[]) => boolean }
      const write = stream.write.bind(stream)
      stream.write = (chunk, ...rest) => {
        written.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : chunk)
        return write(chunk, ...rest)
      }
      client.pipeline = true
      // The first query keeps the server busy; the second must be on the wire all the same.
      const slow = client.query('SELECT pg_sleep(0.5)')
      const fast = client.query('SELECT 2 AS pipelined_marker')
      await new Promise((resolve) => setImmediate(resolve))
      expect(written.join('')).toContain('pipelined_marker')
      await Promise.all([slow, fast])
      expect((await fast).rows).toEqual([{ pipelined_marker: 2 }])
      client.pipeline = false
    } finally {
      await client.end()
    }
  })

  it('exposes the socket with cork/uncork (writes issued in one tick leave together)', async () => {
    const client = await connectedClient()
    try {
      expect(typeof client.connection?.stream?.cork).toBe('function')
      expect(typeof client.connection?.stream?.uncork).toBe('function')
    } finally {
      await client.end()
    }
  })

  it('keeps query on the prototype, so an own-property override can be deleted to restore it', async () => {
    const client = await connectedClient()
    try {
      expect(Object.hasOwn(client, 'query')).toBe(false)
      Object.assign(client, { query: () => Promise.reject(new Error('overridden')) })
      delete (client as { query?: unknown }).query
      expect((await client.query('SELECT 1 AS n')).rows).toEqual([{ n: 1 }])
    } finally {
      await client.end()
    }
  })

  it('answers a multi-statement simple query with one result each, and COMMIT of an aborted transaction with ROLLBACK', async () => {
    const client = await connectedClient()
    try {
      const results = (await client.query('BEGIN; SELECT 1 AS a; SELECT 2 AS b')) as unknown as pg.QueryResult[]
      expect(results.map((r) => r.command)).toEqual(['BEGIN', 'SELECT', 'SELECT'])
      await client.query('SELECT 1/0').catch(() => undefined)
      expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
    } finally {
      await client.end()
    }
  })
})

describe('Sequelize', () => {
  it('hands out raw pg clients from connectionManager.getConnection and takes them back', async () => {
    const manager = t.db.sequelize.connectionManager
    const client = (await manager.getConnection({ type: 'write' })) as pg.Client
    expect(client).toBeInstanceOf(pg.Client)
    manager.releaseConnection(client)
    const doomed = (await manager.getConnection({ type: 'write' })) as pg.Client
    await manager.destroyConnection(doomed)
    expect(await t.db.rows('SELECT 3 AS n')).toEqual([{ n: 3 }])
  })

  /** A hand-made Sequelize Transaction on a pooled client, as the pipelined transaction makes one. */
  async function withHandMadeTransaction(fn: (transaction: Transaction, pid: number) => Promise<void>): Promise<void> {
    const manager = t.db.sequelize.connectionManager
    const client = (await manager.getConnection({ type: 'write' })) as pg.Client & { processID: number }
    try {
      const transaction = new Transaction(t.db.sequelize, {})
      Object.assign(transaction, { connection: client })
      await fn(transaction, client.processID)
    } finally {
      manager.releaseConnection(client)
    }
  }

  it('runs a query "in" a hand-made Transaction on that transaction\'s `connection`, and refuses one marked `finished`', async () => {
    await withHandMadeTransaction(async (transaction, pid) => {
      const [row] = await t.db.rows<{ pid: number }>('SELECT pg_backend_pid() AS pid', undefined, transaction)
      expect(row?.pid).toBe(pid)
      Object.assign(transaction, { finished: 'commit' })
      await expect(t.db.rows('SELECT 1', undefined, transaction)).rejects.toThrow(/commit has been called on this transaction/)
    })
  })

  it('takes the current transaction from the CLS namespace under the key "transaction"', async () => {
    await withHandMadeTransaction(async (transaction, pid) => {
      // No transaction passed: Sequelize must find it through the namespace db/cls.ts installed.
      const [row] = await runWithSequelizeTransaction(transaction, () => t.db.rows<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
      expect(row?.pid).toBe(pid)
      expect((Sequelize as unknown as { _cls?: unknown })._cls).toBeDefined()
    })
  })

  it('opens new connections with connectionManager.config, so retarget() moves them', async () => {
    const db = new Database({ url: t.url, mode: 'external' })
    try {
      const config = (db.sequelize.connectionManager as unknown as { config: Record<string, unknown> }).config
      expect(config).toHaveProperty('host')
      expect(config).toHaveProperty('port')
      expect(config).toHaveProperty('password')
      const nowhere = new URL(t.url)
      nowhere.port = String(await freePort())
      db.retarget(nowhere.toString())
      await expect(db.rows('SELECT 1')).rejects.toThrow(/ECONNREFUSED|connect/)
      db.retarget(t.url)
      expect(await db.rows('SELECT 4 AS n')).toEqual([{ n: 4 }])
    } finally {
      await db.close()
    }
  })
})

describe('umzug', () => {
  it('calls storage.logMigration with the context after up() and before "migrated", and "migrating" before up()', async () => {
    const order: string[] = []
    const storage: UmzugStorage<{ tag: string }> = {
      executed: () => Promise.resolve(['0000_done']),
      logMigration: ({ name, context }) => {
        order.push(`log ${name} ${context.tag}`)
        return Promise.resolve()
      },
      unlogMigration: () => Promise.resolve(),
    }
    const umzug = new Umzug({
      migrations: ['0000_done', '0001_a', '0002_b'].map((name) => ({
        name,
        up: () => {
          order.push(`up ${name}`)
          return Promise.resolve()
        },
      })),
      context: { tag: 'ctx' },
      storage,
      logger: undefined,
    })
    umzug.on('migrating', ({ name }) => {
      order.push(`migrating ${name}`)
    })
    umzug.on('migrated', ({ name }) => {
      order.push(`migrated ${name}`)
    })
    const ran = await umzug.up()
    expect(ran.map((m) => m.name)).toEqual(['0001_a', '0002_b'])
    expect(order).toEqual([
      'migrating 0001_a',
      'up 0001_a',
      'log 0001_a ctx',
      'migrated 0001_a',
      'migrating 0002_b',
      'up 0002_b',
      'log 0002_b ctx',
      'migrated 0002_b',
    ])
  })
})
