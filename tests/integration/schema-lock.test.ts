import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { lockSchemaSql } from '../../electron/main/db/tenant-sql.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * The per-schema advisory lock serialises creates, drops, migrations and
 * repairs of one schema name. Waiting on an advisory lock does not make
 * PostgreSQL read the catalog invalidations that arrived meanwhile (only a
 * relation or object lock does), so whoever waited must not trust its catalog
 * cache afterwards. Here the interleaving is forced, not hoped for.
 */

let t: TestDatabase
let other: pg.Client

beforeAll(async () => {
  // One pooled connection: the create below runs on the backend whose catalog cache we primed.
  t = await createTestDatabase(inject('embeddedAdminUrl'), { poolMax: 1 })
  other = new pg.Client({ connectionString: t.url })
  await other.connect()
})
afterAll(async () => {
  await other?.end()
  await t?.drop()
})

/** Resolves once some backend of this database waits for an advisory lock. */
async function untilSomeoneWaits(client: pg.Client): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await client.query<{ waiting: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                       WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()) AS waiting`,
    )
    if (rows[0]?.waiting) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('nobody waited for the schema lock')
}

describe('the schema lock', () => {
  it('a create that waited for a drop of the same name creates the tenant (no stale "schema already exists")', async () => {
    await t.tenancy.createTenant({ name: 'Stale', schema: 'stale' })
    // The pool's backend looks the schema up, so its catalog cache holds it.
    expect(await t.db.rows("SELECT 'stale'::regnamespace::text AS name")).toEqual([{ name: 'stale' }])

    // Another admin drops it, holding the schema lock until we say so.
    const role = tenantRoleName(t.name, 'stale')
    await other.query(`BEGIN; ${lockSchemaSql('stale')}`)
    await other.query(`DELETE FROM public.tenants WHERE schema = 'stale';
      DROP SCHEMA stale CASCADE; DROP OWNED BY ${quoteIdent(role)}; DROP ROLE ${quoteIdent(role)}`)

    const creating = t.tenancy.createTenant({ name: 'Stale again', schema: 'stale' })
    creating.catch(() => undefined)
    await untilSomeoneWaits(other)
    await other.query('COMMIT')

    await expect(creating).resolves.toMatchObject({ schema: 'stale', name: 'Stale again' })
    const [tenant] = await t.tenancy.listTenants()
    expect(tenant).toMatchObject({ schema: 'stale', name: 'Stale again', pendingMigrations: [] })
    await t.tenancy.withTenant('stale', async () => expect(await t.tenancy.models.Customer.count()).toBe(0))
  })
})
