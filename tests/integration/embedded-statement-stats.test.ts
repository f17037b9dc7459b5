import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { type EmbeddedConnection, embeddedSuperuserUrl, startEmbedded, stopEmbedded } from '../../electron/main/db/embedded-server.ts'
import { quoteIdent } from '../../electron/main/db/sql.ts'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const dataDir = path.join(repoRoot, '.test-data', `embedded-stats-${process.pid}`)

/** shared_preload_libraries is readable by superusers only; the app's login is not one. */
async function preloaded(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: await embeddedSuperuserUrl(dataDir) })
  await client.connect()
  try {
    return (await client.query<{ s: string }>("SELECT current_setting('shared_preload_libraries') AS s")).rows[0]?.s
  } finally {
    await client.end()
  }
}

async function withClient<T>(conn: EmbeddedConnection, fn: (client: pg.Client) => Promise<T>, user?: { name: string; password: string }): Promise<T> {
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    database: conn.database,
    user: user?.name ?? conn.user,
    password: user?.password ?? conn.password,
  })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

describe('pg_stat_statements on the embedded server', () => {
  afterAll(async () => {
    await stopEmbedded(dataDir).catch(() => false)
    await rm(dataDir, { recursive: true, force: true })
  })

  it('an existing cluster started without it picks it up on its next start', async () => {
    const bare = await startEmbedded({ dataDir, statementStats: false })
    expect(bare.startedHere).toBe(true)
    expect(await preloaded()).toBe('')
    await stopEmbedded(dataDir)

    const conn = await startEmbedded({ dataDir })
    expect(conn.startedHere).toBe(true)
    const found = await withClient(conn, async (client) => {
      const libs = await preloaded()
      const ext = (
        await client.query<{ schema: string }>(
          "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'",
        )
      ).rows[0]?.schema
      // The view answers (it raises 55000 when the library is not loaded).
      const counted = (await client.query<{ n: string }>('SELECT count(*) AS n FROM schemata_stats.pg_stat_statements')).rows[0]?.n
      return { libs, ext, counted: Number(counted) }
    })
    expect(found.libs).toBe('pg_stat_statements')
    expect(found.ext).toBe('schemata_stats')
    expect(found.counted).toBeGreaterThan(0)
  })

  it('a login that is neither the owner nor a superuser cannot read other roles’ statistics', async () => {
    const conn = await startEmbedded({ dataDir })
    const outsider = { name: `outsider_${process.pid}`, password: 'outsider-password' }
    await withClient(conn, (c) => c.query(`CREATE ROLE ${quoteIdent(outsider.name)} LOGIN PASSWORD '${outsider.password}'`))
    try {
      const error = await withClient(conn, (c) => c.query('SELECT count(*) FROM schemata_stats.pg_stat_statements'), outsider).then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      )
      expect(error?.code).toBe('42501')
    } finally {
      await withClient(conn, (c) => c.query(`DROP ROLE ${quoteIdent(outsider.name)}`))
    }
  })
})
