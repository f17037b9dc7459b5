import { Writable } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import type { CallName, ContractEvents, EventName } from '../../contract/contract.ts'
import type { ExportResult, RowCursor, RowPage, TableList, WrittenRow } from '../../contract/data-browser.ts'
import type { ErrorEnvelope } from '../../contract/types.ts'
import type { ExportJob } from '../../electron/main/data-browser/data-browser.ts'
import { describeTable } from '../../electron/main/data-browser/table-meta.ts'
import { insertRow } from '../../electron/main/data-browser/write-rows.ts'
import { qualified, quoteIdent } from '../../electron/main/db/sql.ts'
import type { CallContext, Dispatch } from '../../electron/main/handlers/dispatch-types.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * The data browser against a real PostgreSQL, through the dispatcher exactly
 * as IPC and HTTP call it: listing, keyset paging (ties, NULLs, composite and
 * physical keys), filters, edits with optimistic concurrency, read-only
 * tables, shared readable tables that PostgreSQL itself keeps read-only,
 * hostile names and values, and streamed exports.
 */

let t: TestDatabase
let dispatch: Dispatch
let sessions: SessionStore
const unexpected: unknown[] = []
const exported: { job: ExportJob; text: string; stats: { rows: number; bytes: number } }[] = []

const HOSTILE_TABLE = `Robert'); DROP TABLE items;-- "x"`
const HOSTILE_COLUMN = 'a"b; DROP'

/** A window that has switched to `tenant` (what tenants/switch leaves behind; that call is tested elsewhere). */
function windowContext(id: string, tenant: string | null = 'acme'): CallContext {
  const session = sessions.open(id)
  session.activeTenant = tenant
  const ignore = <E extends EventName>(_event: E, _payload: ContractEvents[E]): void => undefined
  return { session, emit: ignore, broadcast: ignore }
}

async function ok<R>(context: CallContext, name: CallName, input: unknown): Promise<R> {
  const outcome = await dispatch(name, input, context)
  if (!outcome.ok) throw new Error(`${name} failed: ${JSON.stringify(outcome.error)}`)
  return outcome.result as R
}

async function fails(context: CallContext, name: CallName, input: unknown): Promise<ErrorEnvelope> {
  const outcome = await dispatch(name, input, context)
  if (outcome.ok) throw new Error(`${name} succeeded unexpectedly: ${JSON.stringify(outcome.result).slice(0, 300)}`)
  return outcome.error
}

/** Every row of a view, page by page, as the grid would load them. */
async function allPages(context: CallContext, input: Record<string, unknown>, limit: number): Promise<{ rows: (string | null)[][]; pages: number }> {
  const rows: (string | null)[][] = []
  let after: RowCursor | undefined
  let pages = 0
  for (;;) {
    const page = await ok<RowPage>(context, 'data/rows', { ...input, limit, ...(after ? { after } : {}) })
    pages += 1
    rows.push(...page.rows)
    if (page.next === null) break
    after = page.next
    if (pages > 10_000) throw new Error('paging does not end')
  }
  return { rows, pages }
}

/** The same view straight from PostgreSQL, as text, for comparison. */
async function expected(sql: string): Promise<(string | null)[][]> {
  const client = await t.db.openClient()
  try {
    const result = await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } })
    return result.rows as (string | null)[][]
  } finally {
    await client.end()
  }
}

/*
 * The embedded server (PostgreSQL 18) and the external one (the system's 15):
 * the parameter context PostgreSQL puts on a refused value ("portal parameter
 * $3"), the xmin comparison and TID keys must hold on both.
 */
const servers = [
  { label: 'embedded PostgreSQL', url: () => inject('embeddedAdminUrl'), skip: '' },
  { label: 'external PostgreSQL (DATABASE_URL)', url: () => inject('externalAdminUrl'), skip: inject('externalSkipReason') },
]

describe.each(servers)('data browser on $label', ({ url, skip }) => {
  if (skip) {
    it.skip(`no server: ${skip}`, () => undefined)
    return
  }

  beforeAll(async () => {
    t = await createTestDatabase(url())
    sessions = new SessionStore()
    dispatch = createDispatcher(
      {
        tenancy: t.tenancy,
        target: { mode: 'external', url: t.url },
        sessions,
        sharedReadable: () => ['plans'],
        exports: {
          async deliver(job) {
            const chunks: Buffer[] = []
            const sink = new Writable({
              write(chunk: Buffer, _encoding, callback) {
                chunks.push(Buffer.from(chunk))
                callback()
              },
            })
            const stats = await job.writeTo(sink)
            exported.push({ job, text: Buffer.concat(chunks).toString('utf8'), stats })
            return { kind: 'saved', path: `/memory/${job.fileName}`, rows: stats.rows, bytes: stats.bytes }
          },
        },
      },
      { logUnexpected: (name, error) => unexpected.push({ name, error }) },
    )
    await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
    await t.tenancy.createTenant({ name: 'Globex', schema: 'globex' })
    const acmeRole = tenantRoleName(t.name, 'acme')
    const globexRole = tenantRoleName(t.name, 'globex')
    // Until the project config grants them, the shared readable table and its grants are made here.
    await t.db.exec(`
      CREATE TABLE public.plans (id int PRIMARY KEY, name text NOT NULL, seats int);
      INSERT INTO public.plans VALUES (1, 'Free', 1), (2, 'Team', 10), (3, 'Enterprise', NULL);
      GRANT SELECT ON public.plans TO ${quoteIdent(acmeRole)}, ${quoteIdent(globexRole)};
      SET search_path TO acme;
      CREATE TABLE items (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        score int,
        note text,
        data jsonb,
        created_at timestamptz NOT NULL DEFAULT '2025-01-01T00:00:00Z'
      );
      CREATE INDEX items_score_idx ON items (score);
      INSERT INTO items (name, score, note, data, created_at)
        SELECT 'item ' || lpad(g::text, 3, '0'),
               CASE WHEN g % 7 = 0 THEN NULL ELSE g % 5 END,
               CASE WHEN g % 11 = 0 THEN '' WHEN g % 13 = 0 THEN NULL ELSE 'note ' || g END,
               CASE WHEN g % 3 = 0 THEN jsonb_build_object('g', g, 'tags', jsonb_build_array('a', 'b')) END,
               timestamptz '2025-01-01T00:00:00Z' + (g % 17) * interval '1 hour'
          FROM generate_series(1, 120) AS g;
      INSERT INTO items (name, note) VALUES ('fifty percent', '50% off'), ('fifty', '50 off'), ('under_score', 'a_b'), ('backslash', 'a\\b');
      CREATE TABLE logs (msg text, level int);
      INSERT INTO logs SELECT 'same', 1 FROM generate_series(1, 15);
      INSERT INTO logs SELECT 'line ' || g, g % 3 FROM generate_series(1, 30) AS g;
      CREATE TABLE pairs (a int, b text, v int, PRIMARY KEY (a, b));
      INSERT INTO pairs SELECT g / 4, chr(97 + g % 4), g FROM generate_series(0, 40) AS g;
      CREATE TABLE big (id int PRIMARY KEY, pad text);
      INSERT INTO big SELECT g, repeat('x', 40) FROM generate_series(1, 100000) AS g;
      ANALYZE big;
      CREATE TABLE ${quoteIdent(HOSTILE_TABLE)} (id int PRIMARY KEY, ${quoteIdent(HOSTILE_COLUMN)} text);
      INSERT INTO ${quoteIdent(HOSTILE_TABLE)} VALUES (1, 'one'), (2, 'two');
      RESET search_path;
    `)
  })

  afterAll(() => t?.drop())

  afterEach(() => { expect(unexpected).toEqual([]) })

  describe('data/tables', () => {
    it('lists the tenant’s tables and the shared readable ones, with exact counts for small tables and labelled estimates for big ones', async () => {
      const list = await ok<TableList>(windowContext('w-tables'), 'data/tables', { tenant: 'acme' })
      expect(list.tenant).toBe('acme')
      expect(list.editsAllowed).toBe(false)
      const byName = new Map(list.tables.map((table) => [`${table.shared ? 'public.' : ''}${table.name}`, table]))
      expect([...byName.keys()].sort()).toEqual(
        [HOSTILE_TABLE, 'big', 'customers', 'items', 'logs', 'orders', 'pairs', 'public.plans', 'users'].sort(),
      )
      expect(byName.get('items')).toEqual({
        name: 'items',
        shared: false,
        kind: 'table',
        rows: { count: 124, exact: true },
        sizeBytes: expect.any(Number) as unknown,
        readOnlyReason: null,
      })
      expect(byName.get('logs')?.readOnlyReason).toMatch(/no primary key/)
      expect(byName.get('logs')?.rows).toEqual({ count: 45, exact: true })
      expect(byName.get('public.plans')).toMatchObject({ shared: true, rows: { count: 3, exact: true }, readOnlyReason: expect.stringMatching(/shared readable/) as unknown })
      const big = byName.get('big')
      expect(big?.rows.exact).toBe(false)
      expect(big?.rows.count).toBeGreaterThan(80_000)
      expect(big?.rows.count).toBeLessThan(120_000)
    })

    it('answers from the catalog alone when asked for estimates: empty tables exactly 0, others labelled estimates', async () => {
      const list = await ok<TableList>(windowContext('w-tables-est'), 'data/tables', { tenant: 'acme', counts: 'estimate' })
      const byName = new Map(list.tables.map((table) => [table.name, table]))
      expect(byName.get('customers')?.rows).toEqual({ count: 0, exact: true })
      expect(byName.get('items')?.rows.exact).toBe(false)
      expect(byName.get('big')?.rows.exact).toBe(false)
      expect(byName.get('big')?.rows.count).toBeGreaterThan(80_000)
    })

    it('finds exactly the relations a plain catalog scan finds (the pg_depend shortcut misses none)', async () => {
      const list = await ok<TableList>(windowContext('w-tables2'), 'data/tables', { tenant: 'acme' })
      const scan = await t.db.rows<{ relname: string }>(
        `SELECT relname FROM pg_class WHERE relnamespace = 'acme'::regnamespace AND relkind IN ('r', 'p', 'm') AND relname <> 'schemata_migrations' ORDER BY relname`,
      )
      expect(list.tables.filter((x) => !x.shared).map((x) => x.name).sort()).toEqual(scan.map((r) => r.relname).sort())
    })

    it('shows each tenant only its own tables', async () => {
      const list = await ok<TableList>(windowContext('w-tables3', 'globex'), 'data/tables', { tenant: 'globex' })
      expect(list.tables.map((x) => x.name).sort()).toEqual(['customers', 'orders', 'plans', 'users'])
    })

    it('runs only in the window’s active tenant: another tenant is a CONFLICT, none is NO_ACTIVE_TENANT, a vanished one is refused', async () => {
      const w = windowContext('w-tables4')
      for (const tenant of ['globex', 'nobody', 'acme; DROP SCHEMA acme']) {
        expect(await fails(w, 'data/tables', { tenant })).toMatchObject({ code: 'CONFLICT', field: 'tenant' })
      }
      expect(await fails(windowContext('w-tables5', null), 'data/rows', { tenant: 'acme', table: 'items' })).toMatchObject({ code: 'NO_ACTIVE_TENANT' })
      expect(await fails(windowContext('w-tables6', 'ghost'), 'data/tables', { tenant: 'ghost' })).toMatchObject({ code: 'TENANT_NOT_FOUND' })
      const editor = windowContext('w-tables7')
      await ok(editor, 'data/allow-edits', { tenant: 'acme', allow: true })
      editor.session.activeTenant = 'globex'
      expect(await fails(editor, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'after the switch' } })).toMatchObject({ code: 'CONFLICT' })
      expect(await expected("SELECT 1 FROM acme.items WHERE name = 'after the switch'")).toEqual([])
    })
  })

  describe('data/rows: keyset paging', () => {
    const w = (): CallContext => windowContext('w-rows')

    it('returns columns with their types, NULL distinct from the empty string, and versions for editable tables', async () => {
      const page = await ok<RowPage>(w(), 'data/rows', { tenant: 'acme', table: 'items', limit: 20 })
      expect(page.columns.map((c) => [c.name, c.type, c.kind])).toEqual([
        ['id', 'bigint', 'number'],
        ['name', 'text', 'text'],
        ['score', 'integer', 'number'],
        ['note', 'text', 'text'],
        ['data', 'jsonb', 'json'],
        ['created_at', 'timestamp with time zone', 'datetime'],
      ])
      expect(page.columns[0]).toMatchObject({ primaryKey: true, nullable: false, hasDefault: true })
      expect(page.table).toMatchObject({ name: 'items', shared: false, readOnlyReason: null, key: { kind: 'primary', columns: ['id'] } })
      expect(page.rows).toHaveLength(20)
      expect(page.versions).toHaveLength(20)
      const row11 = page.rows.find((r) => r[0] === '11')
      const row13 = page.rows.find((r) => r[0] === '13')
      expect(row11?.[3]).toBe('')
      expect(row13?.[3]).toBeNull()
      expect(page.rows.find((r) => r[0] === '3')?.[4]).toBe('{"g": 3, "tags": ["a", "b"]}')
      expect(page.next).toEqual({ phase: 'values', values: ['20'] })
    })

    const orders: { sort: { column: string; direction: 'asc' | 'desc' } | null; sql: string }[] = [
      { sort: null, sql: 'ORDER BY id' },
      { sort: { column: 'id', direction: 'desc' }, sql: 'ORDER BY id DESC' },
      { sort: { column: 'score', direction: 'asc' }, sql: 'ORDER BY score ASC NULLS LAST, id ASC' },
      { sort: { column: 'score', direction: 'desc' }, sql: 'ORDER BY score DESC NULLS FIRST, id DESC' },
      { sort: { column: 'note', direction: 'asc' }, sql: 'ORDER BY note ASC NULLS LAST, id ASC' },
      { sort: { column: 'created_at', direction: 'desc' }, sql: 'ORDER BY created_at DESC, id DESC' },
      { sort: { column: 'data', direction: 'asc' }, sql: 'ORDER BY data ASC NULLS LAST, id ASC' },
    ]
    for (const { sort, sql } of orders) {
      it(`pages through every row exactly once in order (${sort ? `${sort.column} ${sort.direction}` : 'key'}), across ties and NULLs`, async () => {
        const want = await expected(`SELECT * FROM acme.items ${sql}`)
        for (const limit of [1, 7, 50, 1000]) {
          const { rows } = await allPages(w(), { tenant: 'acme', table: 'items', sort }, limit)
          expect(rows, `limit ${limit}`).toEqual(want)
        }
      })
    }

    it('pages a composite primary key and a table without any key (identical rows included)', async () => {
      const pairs = await allPages(w(), { tenant: 'acme', table: 'pairs', sort: { column: 'b', direction: 'desc' } }, 6)
      expect(pairs.rows).toEqual(await expected('SELECT * FROM acme.pairs ORDER BY b DESC, a DESC'))
      const logs = await allPages(w(), { tenant: 'acme', table: 'logs' }, 4)
      expect(logs.rows).toHaveLength(45)
      expect(logs.rows.filter((r) => r[0] === 'same')).toHaveLength(15)
      const sorted = await allPages(w(), { tenant: 'acme', table: 'logs', sort: { column: 'msg', direction: 'asc' } }, 4)
      expect(sorted.rows.map((r) => r[0])).toEqual((await expected('SELECT msg FROM acme.logs ORDER BY msg')).map((r) => r[0]))
    })

    it('filters with every operator, values bound, LIKE characters taken literally', async () => {
      const count = async (filters: unknown[]): Promise<number> =>
        (await allPages(w(), { tenant: 'acme', table: 'items', filters }, 1000)).rows.length
      const sqlCount = async (where: string): Promise<number> => (await expected(`SELECT 1 FROM acme.items WHERE ${where}`)).length
      expect(await count([{ column: 'score', op: 'eq', value: '3' }])).toBe(await sqlCount('score = 3'))
      expect(await count([{ column: 'score', op: 'ne', value: '3' }])).toBe(await sqlCount('score IS DISTINCT FROM 3'))
      expect(await count([{ column: 'score', op: 'lt', value: '2' }])).toBe(await sqlCount('score < 2'))
      expect(await count([{ column: 'score', op: 'le', value: '2' }])).toBe(await sqlCount('score <= 2'))
      expect(await count([{ column: 'score', op: 'gt', value: '2' }])).toBe(await sqlCount('score > 2'))
      expect(await count([{ column: 'score', op: 'ge', value: '2' }])).toBe(await sqlCount('score >= 2'))
      expect(await count([{ column: 'score', op: 'in', value: ['1', '4'] }])).toBe(await sqlCount('score IN (1, 4)'))
      expect(await count([{ column: 'score', op: 'in', value: [] }])).toBe(0)
      expect(await count([{ column: 'note', op: 'is_null' }])).toBe(await sqlCount('note IS NULL'))
      expect(await count([{ column: 'note', op: 'not_null' }])).toBe(await sqlCount('note IS NOT NULL'))
      expect(await count([{ column: 'note', op: 'eq', value: '' }])).toBe(await sqlCount("note = ''"))
      expect(await count([{ column: 'note', op: 'contains', value: '50%' }])).toBe(1)
      expect(await count([{ column: 'note', op: 'contains', value: 'a_b' }])).toBe(1)
      expect(await count([{ column: 'note', op: 'contains', value: 'a\\b' }])).toBe(1)
      expect(await count([{ column: 'name', op: 'starts_with', value: 'ITEM 00' }])).toBe(9)
      expect(await count([{ column: 'name', op: 'ends_with', value: '0' }])).toBe(await sqlCount("name ILIKE '%0'"))
      expect(await count([{ column: 'note', op: 'not_contains', value: 'note' }])).toBe(await sqlCount("note NOT ILIKE '%note%' OR note IS NULL"))
      expect(await count([{ column: 'data', op: 'contains', value: '"g": 3,' }])).toBe(1)
      expect(await count([{ column: 'created_at', op: 'ge', value: '2025-01-01 16:00:00+00' }])).toBe(await sqlCount("created_at >= '2025-01-01 16:00:00+00'"))
      // Two filters AND, and paging over a filtered, sorted view stays exact.
      const filtered = await allPages(
        w(),
        { tenant: 'acme', table: 'items', sort: { column: 'score', direction: 'desc' }, filters: [{ column: 'note', op: 'not_null' }, { column: 'score', op: 'ne', value: '0' }] },
        5,
      )
      expect(filtered.rows).toEqual(
        await expected('SELECT * FROM acme.items WHERE note IS NOT NULL AND score IS DISTINCT FROM 0 ORDER BY score DESC NULLS FIRST, id DESC'),
      )
    })

    it('names the problem for a filter on a missing column, a value of the wrong type, a NULL given to =, and an unknown operator', async () => {
      const base = { tenant: 'acme', table: 'items' }
      const missing = await fails(w(), 'data/rows', { ...base, filters: [{ column: 'nope', op: 'eq', value: '1' }] })
      expect(missing).toMatchObject({ code: 'INVALID_INPUT', field: 'filters.0.column' })
      expect(missing.message).toMatch(/no column "nope" in table "items"/)
      const wrongType = await fails(w(), 'data/rows', { ...base, filters: [{ column: 'name', op: 'eq', value: 'x' }, { column: 'id', op: 'eq', value: 'abc' }] })
      expect(wrongType).toMatchObject({ code: 'INVALID_INPUT', field: 'filters.1.value' })
      expect(wrongType.message).toMatch(/bigint.*"abc"/)
      expect(await fails(w(), 'data/rows', { ...base, filters: [{ column: 'score', op: 'eq', value: null }] })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'filters.0.value',
      })
      expect(await fails(w(), 'data/rows', { ...base, filters: [{ column: 'score', op: 'like', value: '1' }] })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'filters',
      })
      expect(await fails(w(), 'data/rows', { ...base, sort: { column: 'nope', direction: 'asc' } })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'sort.column',
      })
      expect(await fails(w(), 'data/rows', { ...base, after: { phase: 'values', values: ['1', '2'] } })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'after.values',
      })
      expect(await fails(w(), 'data/rows', { ...base, after: { phase: 'nulls', values: ['1'] } })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'after.phase',
      })
    })

    it('treats hostile table names, column names and values as data', async () => {
      const page = await ok<RowPage>(w(), 'data/rows', {
        tenant: 'acme',
        table: HOSTILE_TABLE,
        sort: { column: HOSTILE_COLUMN, direction: 'desc' },
        filters: [{ column: HOSTILE_COLUMN, op: 'contains', value: "o'; DROP TABLE items; --" }],
      })
      expect(page.rows).toEqual([])
      const all = await ok<RowPage>(w(), 'data/rows', { tenant: 'acme', table: HOSTILE_TABLE, sort: { column: HOSTILE_COLUMN, direction: 'desc' } })
      expect(all.rows).toEqual([
        ['2', 'two'],
        ['1', 'one'],
      ])
      expect(await fails(w(), 'data/rows', { tenant: 'acme', table: 'items"; DROP TABLE acme.items; --' })).toMatchObject({
        code: 'NOT_FOUND',
        field: 'table',
      })
      // Another tenant's table is not a name in this tenant.
      expect(await fails(windowContext('w-rows-globex', 'globex'), 'data/rows', { tenant: 'globex', table: 'items' })).toMatchObject({
        code: 'NOT_FOUND',
        field: 'table',
      })
      expect(await fails(w(), 'data/rows', { tenant: 'acme', table: 'globex.customers' })).toMatchObject({ code: 'NOT_FOUND' })
      expect((await expected('SELECT count(*) FROM acme.items'))[0]).toEqual(['124'])
    })

    it('notices a table changed since it was last read (added and dropped columns, a table made again)', async () => {
      const ref = { tenant: 'acme', table: 'changing' }
      await t.db.exec('CREATE TABLE acme.changing (id int PRIMARY KEY, a text); INSERT INTO acme.changing VALUES (1, \'x\')')
      expect((await ok<RowPage>(w(), 'data/rows', ref)).columns.map((c) => c.name)).toEqual(['id', 'a'])
      await t.db.exec("ALTER TABLE acme.changing ADD COLUMN b int DEFAULT 7")
      const added = await ok<RowPage>(w(), 'data/rows', ref)
      expect(added.columns.map((c) => c.name)).toEqual(['id', 'a', 'b'])
      expect(added.rows).toEqual([['1', 'x', '7']])
      await t.db.exec('ALTER TABLE acme.changing DROP COLUMN a')
      expect((await ok<RowPage>(w(), 'data/rows', { ...ref, sort: { column: 'b', direction: 'asc' } })).rows).toEqual([['1', '7']])
      expect(await fails(w(), 'data/rows', { ...ref, sort: { column: 'a', direction: 'asc' } })).toMatchObject({ field: 'sort.column' })
      await t.db.exec("DROP TABLE acme.changing; CREATE TABLE acme.changing (id text PRIMARY KEY, a text); INSERT INTO acme.changing VALUES ('k', 'y')")
      const again = await ok<RowPage>(w(), 'data/rows', ref)
      expect(again.columns.map((c) => [c.name, c.type])).toEqual([
        ['id', 'text'],
        ['a', 'text'],
      ])
      expect(again.rows).toEqual([['k', 'y']])
      await t.db.exec('DROP TABLE acme.changing')
      expect(await fails(w(), 'data/rows', ref)).toMatchObject({ code: 'NOT_FOUND', field: 'table' })
    })

    it('reads shared readable tables, and only the declared ones', async () => {
      const g = windowContext('w-rows-shared', 'globex')
      const page = await ok<RowPage>(g, 'data/rows', { tenant: 'globex', table: 'plans', shared: true })
      expect(page.rows).toEqual([
        ['1', 'Free', '1'],
        ['2', 'Team', '10'],
        ['3', 'Enterprise', null],
      ])
      expect(page.table.readOnlyReason).toMatch(/shared readable/)
      expect(page.versions).toBeUndefined()
      expect(await fails(g, 'data/rows', { tenant: 'globex', table: 'tenants', shared: true })).toMatchObject({ code: 'NOT_FOUND', field: 'table' })
    })
  })

  describe('edits', () => {
    it('are off until this window allows them for the tenant, and nothing is written before', async () => {
      const w = windowContext('w-edit-off')
      const refused = await fails(w, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'sneaky' } })
      expect(refused).toMatchObject({ code: 'FORBIDDEN', field: 'tenant' })
      expect(refused.message).toMatch(/Allow edits/)
      expect(await expected("SELECT 1 FROM acme.items WHERE name = 'sneaky'")).toEqual([])
      await ok(w, 'data/allow-edits', { tenant: 'acme', allow: true })
      expect((await ok<TableList>(w, 'data/tables', { tenant: 'acme' })).editsAllowed).toBe(true)
      // Per tenant and per window.
      w.session.activeTenant = 'globex'
      expect((await ok<TableList>(w, 'data/tables', { tenant: 'globex' })).editsAllowed).toBe(false)
      w.session.activeTenant = 'acme'
      expect((await ok<TableList>(windowContext('w-other'), 'data/tables', { tenant: 'acme' })).editsAllowed).toBe(false)
      await ok(w, 'data/allow-edits', { tenant: 'acme', allow: false })
      expect(await fails(w, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'sneaky' } })).toMatchObject({ code: 'FORBIDDEN' })
      expect(await fails(windowContext('w-edit-ghost', 'ghost'), 'data/allow-edits', { tenant: 'ghost', allow: true })).toMatchObject({
        code: 'TENANT_NOT_FOUND',
      })
    })

    it('insert, update and delete by primary key; NULL and the empty string are written as such', async () => {
      const w = windowContext('w-edit')
      await ok(w, 'data/allow-edits', { tenant: 'acme', allow: true })
      const inserted = await ok<WrittenRow>(w, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'new', note: '', score: null, data: '{"a": [1, 2]}' } })
      const id = inserted.row[0] as string
      expect(inserted.row.slice(1, 5)).toEqual(['new', null, '', '{"a": [1, 2]}'])
      expect(inserted.version).toMatch(/^\d+$/)
      const updated = await ok<WrittenRow>(w, 'data/update', { tenant: 'acme', table: 'items', key: { id }, version: inserted.version, values: { note: null, score: '42' } })
      expect(updated.row.slice(2, 4)).toEqual(['42', null])
      expect(updated.version).not.toBe(inserted.version)
      expect(await expected(`SELECT score, note FROM acme.items WHERE id = ${Number(id)}`)).toEqual([['42', null]])
      expect(await ok(w, 'data/delete', { tenant: 'acme', table: 'items', key: { id }, version: updated.version })).toEqual({ deleted: 1 })
      expect(await expected(`SELECT 1 FROM acme.items WHERE id = ${Number(id)}`)).toEqual([])
    })

    it('refuse a row another admin changed or deleted since it was read (CONFLICT), writing nothing', async () => {
      const me = windowContext('w-conflict-me')
      const other = windowContext('w-conflict-other')
      for (const w of [me, other]) await ok(w, 'data/allow-edits', { tenant: 'acme', allow: true })
      const row = await ok<WrittenRow>(me, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'contested', score: '1' } })
      const id = row.row[0] as string
      const theirs = await ok<WrittenRow>(other, 'data/update', { tenant: 'acme', table: 'items', key: { id }, version: row.version, values: { score: '2' } })
      const stale = await fails(me, 'data/update', { tenant: 'acme', table: 'items', key: { id }, version: row.version, values: { score: '3' } })
      expect(stale).toMatchObject({ code: 'CONFLICT', field: 'version' })
      expect(stale.message).toMatch(/changed by another session since you read it; nothing was updated/)
      expect(await expected(`SELECT score FROM acme.items WHERE id = ${Number(id)}`)).toEqual([['2']])
      expect(await fails(me, 'data/delete', { tenant: 'acme', table: 'items', key: { id }, version: row.version })).toMatchObject({ code: 'CONFLICT' })
      expect(await expected(`SELECT score FROM acme.items WHERE id = ${Number(id)}`)).toEqual([['2']])
      await ok(other, 'data/delete', { tenant: 'acme', table: 'items', key: { id }, version: theirs.version })
      const gone = await fails(me, 'data/update', { tenant: 'acme', table: 'items', key: { id }, version: theirs.version, values: { score: '4' } })
      expect(gone).toMatchObject({ code: 'CONFLICT' })
      expect(gone.message).toMatch(/no longer exists/)
      expect(await expected(`SELECT 1 FROM acme.items WHERE id = ${Number(id)}`)).toEqual([])
    })

    it('name the column of a value of the wrong type, a missing NOT NULL value, an unknown column or a generated one; nothing changes', async () => {
      const w = windowContext('w-edit-bad')
      await ok(w, 'data/allow-edits', { tenant: 'acme', allow: true })
      const before = await expected('SELECT count(*) FROM acme.items')
      const wrong = await fails(w, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'x', score: 'many' } })
      expect(wrong).toMatchObject({ code: 'INVALID_INPUT', field: 'values.score' })
      expect(wrong.message).toMatch(/integer.*"many"/)
      expect(await fails(w, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'x', data: '{not json' } })).toMatchObject({
        field: 'values.data',
      })
      expect(await fails(w, 'data/insert', { tenant: 'acme', table: 'items', values: { score: '1' } })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'values.name',
      })
      expect(await fails(w, 'data/insert', { tenant: 'acme', table: 'items', values: { name: 'x', colour: 'red' } })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'values.colour',
      })
      const page = await ok<RowPage>(w, 'data/rows', { tenant: 'acme', table: 'items', limit: 1 })
      const id = page.rows[0]?.[0] as string
      const version = page.versions?.[0] as string
      expect(await fails(w, 'data/update', { tenant: 'acme', table: 'items', key: { id: 'one' }, version, values: { score: '1' } })).toMatchObject({
        field: 'key.id',
      })
      expect(await fails(w, 'data/update', { tenant: 'acme', table: 'items', key: { name: 'x' }, version, values: { score: '1' } })).toMatchObject({
        field: 'key',
      })
      expect(await fails(w, 'data/update', { tenant: 'acme', table: 'items', key: { id }, version, values: {} })).toMatchObject({ field: 'values' })
      expect(await fails(w, 'data/update', { tenant: 'acme', table: 'items', key: { id }, version, values: { created_at: 'yesterday-ish' } })).toMatchObject({
        field: 'values.created_at',
      })
      expect(await expected('SELECT count(*) FROM acme.items')).toEqual(before)
      expect(await expected(`SELECT name FROM acme.items WHERE id = ${Number(id)}`)).toEqual([[page.rows[0]?.[1] ?? null]])
    })

    it('keep tables without a primary key read-only, saying why', async () => {
      const w = windowContext('w-edit-nopk')
      await ok(w, 'data/allow-edits', { tenant: 'acme', allow: true })
      const page = await ok<RowPage>(w, 'data/rows', { tenant: 'acme', table: 'logs', limit: 1 })
      expect(page.table.readOnlyReason).toMatch(/no primary key/)
      expect(page.table.key).toEqual({ kind: 'physical', columns: ['ctid'] })
      const refused = await fails(w, 'data/insert', { tenant: 'acme', table: 'logs', values: { msg: 'x' } })
      expect(refused).toMatchObject({ code: 'FORBIDDEN', field: 'table' })
      expect(refused.message).toMatch(/read-only: no primary key/)
      expect(await expected("SELECT 1 FROM acme.logs WHERE msg = 'x'")).toEqual([])
    })

    it('write hostile names and values as data', async () => {
      const w = windowContext('w-edit-hostile')
      await ok(w, 'data/allow-edits', { tenant: 'acme', allow: true })
      const value = `'); DELETE FROM items; -- "\u0000-free" ${'\u202e'}`
      const row = await ok<WrittenRow>(w, 'data/insert', { tenant: 'acme', table: HOSTILE_TABLE, values: { id: '3', [HOSTILE_COLUMN]: value.replace('\u0000', '') } })
      expect(row.row).toEqual(['3', value.replace('\u0000', '')])
      expect((await expected('SELECT count(*) FROM acme.items'))[0]?.[0]).not.toBe('0')
    })
  })

  describe('shared readable tables are read-only in PostgreSQL itself', () => {
    it('refuses writes in the browser, and PostgreSQL refuses them even when the browser is bypassed', async () => {
      const w = windowContext('w-shared')
      await ok(w, 'data/allow-edits', { tenant: 'acme', allow: true })
      const refused = await fails(w, 'data/insert', { tenant: 'acme', table: 'plans', shared: true, values: { id: '9', name: 'Hacked' } })
      expect(refused).toMatchObject({ code: 'FORBIDDEN', field: 'table' })
      // Past the browser's own check: the tenant role has SELECT only, so PostgreSQL says no.
      const error = await t.tenancy
        .withTenant('acme', async (scope) => {
          const meta = await describeTable(scope, { tenant: 'acme', table: 'plans', shared: true }, ['plans'])
          return insertRow(scope, { ...meta, readOnlyReason: null }, { id: '9', name: 'Hacked' })
        })
        .then(
          () => undefined,
          (e: unknown) => e as { code?: string; message: string },
        )
      expect(error?.code).toBe('FORBIDDEN')
      expect(error?.message).toMatch(/permission denied for table plans/)
      expect(await expected('SELECT count(*) FROM public.plans')).toEqual([['3']])
    })
  })

  describe('data/export', () => {
    it('streams the current view (filters and sort) as CSV, NULL and empty string kept apart', async () => {
      const w = windowContext('w-export')
      const filters = [{ column: 'score', op: 'in', value: ['0', '1'] }]
      const result = await ok<ExportResult>(w, 'data/export', { tenant: 'acme', table: 'items', format: 'csv', sort: { column: 'note', direction: 'desc' }, filters })
      const last = exported[exported.length - 1]
      expect(result).toMatchObject({ kind: 'saved', rows: last?.stats.rows })
      const want = await expected('SELECT * FROM acme.items WHERE score IN (0, 1) ORDER BY note DESC NULLS FIRST, id DESC')
      const lines = last?.text.trimEnd().split('\r\n') ?? []
      expect(lines[0]).toBe('id,name,score,note,data,created_at')
      expect(lines).toHaveLength(want.length + 1)
      const quote = (v: string | null): string => (v === null ? '' : v === '' || /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)
      expect(lines.slice(1)).toEqual(want.map((row) => row.map(quote).join(',')))
      expect(lines.some((line) => line.split(',')[3] === '""')).toBe(true)
      expect(last?.job.fileName).toMatch(/^acme-items-\d{8}-\d{6}\.csv$/)
    })

    it('streams JSON with typed values', async () => {
      const w = windowContext('w-export-json')
      await ok<ExportResult>(w, 'data/export', { tenant: 'acme', table: 'items', format: 'json', filters: [{ column: 'id', op: 'le', value: '13' }] })
      const parsed = JSON.parse(exported[exported.length - 1]?.text ?? '') as Record<string, unknown>[]
      expect(parsed).toHaveLength(13)
      expect(parsed[2]).toEqual({ id: '3', name: 'item 003', score: 3, note: 'note 3', data: { g: 3, tags: ['a', 'b'] }, created_at: '2025-01-01 03:00:00+00' })
      expect(parsed[10]?.note).toBe('')
      expect(parsed[12]?.note).toBeNull()
    })

    it('checks the view before streaming: a bad filter is an error, not a broken file', async () => {
      const w = windowContext('w-export-bad')
      const before = exported.length
      expect(await fails(w, 'data/export', { tenant: 'acme', table: 'items', format: 'csv', filters: [{ column: 'id', op: 'eq', value: 'x' }] })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'filters.0.value',
      })
      expect(await fails(w, 'data/export', { tenant: 'acme', table: 'nope', format: 'csv' })).toMatchObject({ code: 'NOT_FOUND' })
      expect(exported.length).toBe(before)
    })
  })

  describe('scope', () => {
    it('runs as the tenant’s role: a suspended tenant is refused', async () => {
      const w = windowContext('w-suspended', 'globex')
      await t.tenancy.setStatus('globex', 'suspended')
      try {
        expect(await fails(w, 'data/rows', { tenant: 'globex', table: 'customers' })).toMatchObject({ code: 'TENANT_SUSPENDED' })
      } finally {
        await t.tenancy.setStatus('globex', 'active')
      }
    })

    it('quotes what it builds (a smoke check of the helper used everywhere)', () => {
      expect(qualified('acme', HOSTILE_TABLE)).toBe(`"acme"."Robert'); DROP TABLE items;-- ""x"""`)
    })
  })
})
