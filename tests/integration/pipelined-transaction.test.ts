import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { pgErrorOf } from '../../electron/main/db/pg-error.ts'
import { failedStatementLabel } from '../../electron/main/db/pipelined-transaction.ts'
import { MigrationFailedError, TenantNotFoundError, TenantSuspendedError } from '../../electron/main/errors.ts'
import type { MigrationDefinition } from '../../electron/main/migrations/types.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

// A pool of one: any connection not given back (or given back still in pipeline mode) shows at once.
let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'), { poolMax: 1 })
  await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
  await t.tenancy.createTenant({ name: 'Globex', schema: 'globex' })
})
afterAll(() => t?.drop())

async function tableExists(name: string): Promise<boolean> {
  const [row] = await t.db.rows<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [name])
  return row?.present === true
}

async function customerCount(schema: string): Promise<number> {
  const [row] = await t.db.rows<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".customers`)
  return Number(row?.n)
}

describe('the pipelined transaction (Database.transaction)', () => {
  it('sends statements without waiting, answers each in order, and commits them together', async () => {
    const results = await t.db.transaction(async (tx) => {
      void tx.rows('CREATE TABLE public.pipe_a (n int)')
      void tx.rows('INSERT INTO public.pipe_a VALUES ($1), ($2)', [1, 2])
      const first = tx.rows<{ n: number }>('SELECT n FROM public.pipe_a ORDER BY n')
      const second = tx.rows<{ total: string }>('SELECT sum(n) AS total FROM public.pipe_a')
      return Promise.all([first, second])
    })
    expect(results[0].map((r) => r.n)).toEqual([1, 2])
    expect(results[1][0]?.total).toBe('3')
    expect(await tableExists('public.pipe_a')).toBe(true)
  })

  it('reports the first failed statement, not the 25P02 echoes behind it, and keeps nothing', async () => {
    const error = await t.db
      .transaction(async (tx) => {
        void tx.rows('CREATE TABLE public.pipe_b (n int)')
        void tx.rows('INSERT INTO public.pipe_b VALUES ($1)', ['not a number'], 'the insert')
        void tx.rows('CREATE TABLE public.pipe_c (n int)')
        await tx.rows('SELECT 1')
      })
      .catch((e: unknown) => e)
    expect(pgErrorOf(error)?.code).toBe('22P02')
    expect(await tableExists('public.pipe_b')).toBe(false)
    expect(await tableExists('public.pipe_c')).toBe(false)
  })

  it('fails the commit when a statement nobody awaited failed', async () => {
    const error = await t.db
      .transaction((tx) => {
        void tx.rows('CREATE TABLE public.pipe_d (n int)')
        void tx.rows('SELECT * FROM public.no_such_table')
        return Promise.resolve('looked fine')
      })
      .catch((e: unknown) => e)
    expect(pgErrorOf(error)?.code).toBe('42P01')
    expect(await tableExists('public.pipe_d')).toBe(false)
  })

  it('queued statements leave before anything else on the connection, Sequelize queries included', async () => {
    const seen = await t.db.transaction(async (tx) => {
      tx.exec('CREATE TABLE public.pipe_q (n int)')
      tx.exec('INSERT INTO public.pipe_q VALUES (7)')
      // Through Sequelize on the transaction's connection, not through tx: must still see the queued work.
      return t.db.rows<{ n: number }>('SELECT n FROM public.pipe_q', undefined, tx.sequelizeTransaction)
    })
    expect(seen).toEqual([{ n: 7 }])
  })

  it('queued statements and COMMIT share one message; a failure among them rolls back and is reported with its label', async () => {
    const error = await t.db
      .transaction((tx) => {
        tx.exec('CREATE TABLE public.pipe_r (n int)', undefined, '0100_first')
        tx.exec('INSERT INTO public.pipe_r VALUES (1)', undefined, '0100_first')
        tx.exec('INSERT INTO public.pipe_r VALUES (1/0)', undefined, '0101_second')
        return Promise.resolve()
      })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: '22012' })
    expect(failedStatementLabel(error)).toBe('0101_second')
    expect(await tableExists('public.pipe_r')).toBe(false)
    // The connection was rolled back and returned healthy: the pool of one still works.
    expect(await t.db.rows('SELECT 3 AS n')).toEqual([{ n: 3 }])
  })

  it('labels the failure with what the statement was sent for', async () => {
    const error = await t.db
      .transaction((tx) => {
        void tx.rows('SELECT 1')
        void tx.rows('SELECT 1/0', undefined, '0007_divide')
        return Promise.resolve()
      })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: '22012' })
    expect(failedStatementLabel(error)).toBe('0007_divide')
  })

  it('lets a savepoint recover from a failure, and then commits', async () => {
    await t.db.transaction(async (tx) => {
      void tx.rows('CREATE TABLE public.pipe_e (n int)')
      void tx.rows('SAVEPOINT s')
      void tx.rows('INSERT INTO public.pipe_e VALUES (1/0)')
      void tx.rows('ROLLBACK TO SAVEPOINT s')
      await tx.rows('INSERT INTO public.pipe_e VALUES (5)')
    })
    expect(await t.db.rows('SELECT n FROM public.pipe_e')).toEqual([{ n: 5 }])
  })

  it('hands the connection back to the pool out of pipeline mode, also after a failure', async () => {
    for (let i = 0; i < 5; i++) {
      await t.db.transaction(async (tx) => {
        if (i % 2 === 1) void tx.rows('SELECT 1/0')
        return tx.rows('SELECT 1')
      }).catch(() => undefined)
    }
    // A pool of one: these would time out had a connection been kept; Sequelize's own path works on it.
    const client = (await t.db.sequelize.connectionManager.getConnection({ type: 'write' })) as pg.Client & { pipeline: boolean }
    try {
      expect(client.pipeline).toBe(false)
    } finally {
      t.db.sequelize.connectionManager.releaseConnection(client)
    }
    expect(await t.db.rows('SELECT 2 AS n')).toEqual([{ n: 2 }])
  })

  it('runs Sequelize models inside it, and rolls them back with it', async () => {
    const { Customer } = t.tenancy.models
    const before = await customerCount('acme')
    await expect(
      t.tenancy.withTenant('acme', async () => {
        await Customer.create({ name: 'Rolled back', email: 'rb@acme.example' })
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    expect(await customerCount('acme')).toBe(before)
  })
})

describe('withTenant over a pipelined transaction', () => {
  it('refuses an unknown tenant even when the body sent a model query right behind the scope', async () => {
    const { Customer } = t.tenancy.models
    await expect(t.tenancy.withTenant('nobody', () => Customer.findAll())).rejects.toBeInstanceOf(TenantNotFoundError)
    await expect(t.tenancy.withTenant('nobody', (scope) => scope.query('SELECT 1'))).rejects.toBeInstanceOf(TenantNotFoundError)
  })

  it('refuses a suspended tenant: no write lands, no row comes back, and a body without queries fails too', async () => {
    const { Customer } = t.tenancy.models
    await t.tenancy.withTenant('globex', () => Customer.create({ name: 'Existing', email: 'e@globex.example' }))
    const before = await customerCount('globex')
    await t.tenancy.setStatus('globex', 'suspended')
    try {
      await expect(
        t.tenancy.withTenant('globex', () => Customer.create({ name: 'Sneaky', email: 's@globex.example' })),
      ).rejects.toBeInstanceOf(TenantSuspendedError)
      await expect(t.tenancy.withTenant('globex', (scope) => scope.query('SELECT * FROM customers'))).rejects.toBeInstanceOf(
        TenantSuspendedError,
      )
      await expect(t.tenancy.withTenant('globex', () => Promise.resolve('no queries'))).rejects.toBeInstanceOf(TenantSuspendedError)
      await expect(
        t.tenancy.withTenant('globex', () => Customer.findAll(), { readOnly: true }),
      ).rejects.toBeInstanceOf(TenantSuspendedError)
    } finally {
      await t.tenancy.setStatus('globex', 'active')
    }
    expect(await customerCount('globex')).toBe(before)
  })

  it('a read-only scope reads, refuses writes (25006), and gives its connection back', async () => {
    const { Customer } = t.tenancy.models
    const before = await customerCount('acme')
    const error = await t.tenancy
      .withTenant('acme', () => Customer.create({ name: 'No', email: 'no@acme.example' }), { readOnly: true })
      .catch((e: unknown) => e)
    expect(pgErrorOf(error)?.code).toBe('25006')
    // Twenty in a row on a pool of one: each COMMIT that was not waited for did release the connection.
    for (let i = 0; i < 20; i++) {
      const [where] = await t.tenancy.withTenant(
        i % 2 === 0 ? 'acme' : 'globex',
        (scope) => scope.query<{ schema: string }>('SELECT current_schema() AS schema'),
        { readOnly: true },
      )
      expect(where?.schema).toBe(i % 2 === 0 ? 'acme' : 'globex')
    }
    expect(await customerCount('acme')).toBe(before)
  })

  it('a read-only scope fails when a statement nobody awaited failed, also one that fails after the body returned', async () => {
    const { Customer } = t.tenancy.models
    // Failing at once, and failing only after a while (when the body has long returned).
    const failing = [
      ['SELECT * FROM no_such_table', '42P01'],
      ['SELECT 1 / (count(*) - 1) FROM pg_sleep(0.05)', '22012'],
    ] as const
    for (let i = 0; i < 10; i++) {
      const [sql, code] = failing[i % failing.length] as (typeof failing)[number]
      const seen: unknown[] = []
      const outcome = await t.tenancy
        .withTenant(
          'acme',
          (scope) => {
            // Fired and forgotten (the body does not await it), then the body returns at once.
            scope.query(sql).catch((error: unknown) => seen.push(error))
            return Promise.resolve('looked fine')
          },
          { readOnly: true },
        )
        .then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        )
      expect(outcome, `attempt ${i}: ${sql}`).toMatchObject({ error: { code } })
    }
    // The connection (a pool of one) came back usable each time.
    await expect(t.tenancy.withTenant('acme', () => Customer.count(), { readOnly: true })).resolves.toBeTypeOf('number')
  })

  it('exposes the role PostgreSQL entered', async () => {
    const role = await t.tenancy.withTenant('acme', async (scope) => {
      const [who] = await scope.query<{ user: string }>('SELECT current_user AS user')
      expect(who?.user).toBe(await scope.role)
      return scope.role
    })
    const [registered] = await t.db.rows<{ role: string }>("SELECT role FROM public.tenants WHERE schema = 'acme'")
    expect(role).toBe(registered?.role)
  })
})

describe('pipelined migrations', () => {
  const addColumn: MigrationDefinition = {
    name: '0900_add_nickname',
    async up({ exec }) {
      await exec('ALTER TABLE customers ADD COLUMN nickname text')
      await exec('CREATE INDEX customers_nickname_idx ON customers (nickname)')
    },
  }

  it('a schema whose own ledger is ahead of the central one is redone the careful way, never applied twice', async () => {
    const tenancy = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, addColumn] } })
    // By hand, outside the migrator: the change and the schema's own ledger row, not the central one.
    await t.db.exec(`ALTER TABLE acme.customers ADD COLUMN nickname text;
      CREATE INDEX customers_nickname_idx ON acme.customers (nickname);
      INSERT INTO acme.schemata_migrations (name) VALUES ('0900_add_nickname');`)
    const report = await tenancy.migrate({ tenant: true })
    expect(report.counts.failed).toBe(0)
    const acme = report.tenants.find((x) => x.schema === 'acme')
    expect(acme?.applied).toEqual([])
    expect(report.tenants.find((x) => x.schema === 'globex')?.applied).toEqual(['0900_add_nickname'])
    // The careful pass copied the schema's own ledger into the central one: nobody is behind now.
    expect(await tenancy.tenantsBehind()).toEqual([])
  })

  it('a DDL failure seen only at COMMIT is reported against its migration, with PostgreSQL\'s message', async () => {
    const broken: MigrationDefinition = {
      name: '0901_broken',
      async up({ exec }) {
        await exec('ALTER TABLE customers ADD COLUMN fine text')
        await exec('ALTER TABLE no_such_table ADD COLUMN x int')
      },
    }
    const tenancy = new Tenancy(t.db, { migrations: { tenant: [...tenantMigrations, addColumn, broken] } })
    const report = await tenancy.migrate({ tenant: true, schema: 'globex' })
    expect(report.tenants[0]).toMatchObject({ schema: 'globex', status: 'failed', failedMigration: '0901_broken' })
    expect(report.tenants[0]?.message).toMatch(/no_such_table/)
    const [column] = await t.db.rows("SELECT 1 FROM information_schema.columns WHERE table_schema = 'globex' AND column_name = 'fine'")
    expect(column).toBeUndefined()
  })

  it('createTenant with a failing pipelined migration leaves nothing and names the migration', async () => {
    const broken: MigrationDefinition = {
      name: '0002_zz_broken',
      async up({ exec }) {
        await exec('CREATE TABLE ok_table (id int)')
        await exec('CREATE TABLE customers (id int)')
      },
    }
    const tenancy = new Tenancy(t.db, { migrations: { tenant: [tenantMigrations[0] as MigrationDefinition, broken] } })
    const error = await tenancy.createTenant({ name: 'Doomed', schema: 'doomed' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationFailedError)
    expect((error as MigrationFailedError).migration).toBe('0002_zz_broken')
    expect(await t.db.rows("SELECT 1 FROM pg_namespace WHERE nspname = 'doomed'")).toEqual([])
    expect(await t.db.rows("SELECT 1 FROM public.tenants WHERE schema = 'doomed'")).toEqual([])
  })
})
