import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest'
import { pgErrorOf } from '../../electron/main/db/pg-error.ts'
import { qualified, quoteIdent } from '../../electron/main/db/sql.ts'
import { InvalidInputError, TenantNotFoundError } from '../../electron/main/errors.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

// A pool of one: a connection the scope did not give back shows at the next scope.
let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'), { poolMax: 1 })
  await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
  const table = qualified('acme', 'pairs')
  // A deferred foreign key: an insert that breaks it succeeds, and only COMMIT fails.
  await t.db.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, other int,
    CONSTRAINT pairs_other_fkey FOREIGN KEY (other) REFERENCES ${table} (id) DEFERRABLE INITIALLY DEFERRED)`)
  await t.db.exec(`GRANT SELECT, INSERT ON ${table} TO ${quoteIdent(tenantRoleName(t.db.databaseName, 'acme'))}`)
})
afterEach(() => t.db.exec(`DELETE FROM ${qualified('acme', 'pairs')}`))
afterAll(() => t?.drop())

async function pairIds(): Promise<number[]> {
  const rows = await t.db.rows<{ id: number }>(`SELECT id FROM ${qualified('acme', 'pairs')} ORDER BY id`)
  return rows.map((row) => row.id)
}

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown

/** Runs `fn` and returns, in order, when each statement's text was sent and when its answer came back. */
async function wireEvents(fn: (events: readonly string[]) => Promise<unknown>): Promise<string[]> {
  const events: string[] = []
  const proto = pg.Client.prototype as unknown as { query: QueryFn }
  const original = proto.query
  proto.query = function recordingQuery(this: pg.Client, ...args: unknown[]): unknown {
    const config = args[0]
    const text = typeof config === 'string' ? config : String((config as { text?: unknown }).text)
    events.push(`sent ${text}`)
    const result = original.apply(this, args)
    if (result instanceof Promise) {
      result.then(
        () => events.push(`answered ${text}`),
        () => events.push(`failed ${text}`),
      )
    }
    return result
  }
  try {
    await fn(events)
  } finally {
    proto.query = original
  }
  return events
}

describe('entering the scope', () => {
  it('a schema name that is not one is refused before any SQL, and an unknown tenant by PostgreSQL', async () => {
    const events = await wireEvents(async () => {
      await expect(t.tenancy.withTenant("acme'; --", (scope) => scope.query('SELECT 1'))).rejects.toBeInstanceOf(InvalidInputError)
    })
    expect(events).toEqual([])
    await expect(t.tenancy.withTenant('nobody', (scope) => scope.query('SELECT 1'))).rejects.toBeInstanceOf(TenantNotFoundError)
  })
})

/** The SQLSTATE a read-write scope in acme fails with, whose body sends `first` unawaited and returns `last`. */
async function failureOf(first: string, last: string): Promise<string | undefined> {
  const error = await t.tenancy
    .withTenant('acme', (scope) => {
      void scope.query(first)
      return scope.query(last)
    })
    .catch((e: unknown) => e)
  return pgErrorOf(error)?.code
}

describe('a read-write scope whose body returns its statement', () => {
  it('sends COMMIT before the statement is answered, and resolves once COMMIT is', async () => {
    let seenAtResolve = 0
    const events = await wireEvents(async (sofar) => {
      const rows = await t.tenancy.withTenant('acme', (scope) => scope.query<{ id: number }>('INSERT INTO pairs VALUES (1, NULL) RETURNING id'))
      seenAtResolve = sofar.length
      expect(rows).toEqual([{ id: 1 }])
    })
    const sentCommit = events.indexOf('sent COMMIT')
    const answeredInsert = events.indexOf('answered INSERT INTO pairs VALUES (1, NULL) RETURNING id')
    expect(sentCommit).toBeGreaterThan(-1)
    expect(answeredInsert).toBeGreaterThan(-1)
    expect(sentCommit).toBeLessThan(answeredInsert)
    // Not before PostgreSQL acknowledged the COMMIT.
    expect(events.slice(0, seenAtResolve)).toContain('answered COMMIT')
    expect(await pairIds()).toEqual([1])
  })

  it('rejects when COMMIT fails (a deferred constraint), and keeps nothing', async () => {
    // The second INSERT breaks the deferred foreign key: it succeeds, COMMIT does not.
    expect(await failureOf('INSERT INTO pairs VALUES (1, NULL)', 'INSERT INTO pairs VALUES (2, 99) RETURNING id')).toBe('23503')
    expect(await pairIds()).toEqual([])
    // The connection (a pool of one) came back usable.
    await expect(t.tenancy.withTenant('acme', (scope) => scope.query('SELECT 1 AS one'))).resolves.toEqual([{ one: 1 }])
  })

  it('rejects when its statement fails, and keeps nothing of the statements before it', async () => {
    expect(await failureOf('INSERT INTO pairs VALUES (1, NULL)', 'INSERT INTO pairs VALUES (1, NULL)')).toBe('23505')
    expect(await pairIds()).toEqual([])
  })

  it('a statement its background work sends afterwards is refused, not committed on its own', async () => {
    let late: Promise<unknown> | undefined
    await t.tenancy.withTenant('acme', (scope) => {
      late = scope.query('SELECT 1').then(() => scope.query('INSERT INTO pairs VALUES (5, NULL)'))
      late.catch(() => undefined)
      return scope.query('INSERT INTO pairs VALUES (1, NULL)')
    })
    await expect(late).rejects.toThrow(/already ended/)
    expect(await pairIds()).toEqual([1])
  })

  it('twenty in a row on a pool of one: each gives its connection back without the caller waiting for the reset', async () => {
    for (let i = 1; i <= 20; i++) {
      const [row] = await t.tenancy.withTenant('acme', (scope) => scope.query<{ id: number }>('INSERT INTO pairs VALUES ($1, NULL) RETURNING id', [i]))
      expect(row?.id).toBe(i)
    }
    expect(await pairIds()).toHaveLength(20)
  })
})

describe('a read-write scope whose body is an async function', () => {
  it('still waits for the body before COMMIT, and COMMIT failing rejects it', async () => {
    const events = await wireEvents(async () => {
      const error = await t.tenancy
        .withTenant('acme', async (scope) => {
          await scope.query('INSERT INTO pairs VALUES (1, 77)')
          return 'done'
        })
        .catch((e: unknown) => e)
      expect(pgErrorOf(error)?.code).toBe('23503')
    })
    expect(events.indexOf('sent COMMIT')).toBeGreaterThan(events.indexOf('answered INSERT INTO pairs VALUES (1, 77)'))
    expect(await pairIds()).toEqual([])
  })
})
