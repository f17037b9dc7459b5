import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { test as base, expect } from '@playwright/test'
import { ConsolePage } from '../fixtures/page-actions/console-actions.ts'
import { SqlConsole } from '../fixtures/page-actions/sql-actions.ts'
import { REPO_ROOT, startConsoleServer, type ConsoleServer } from '../fixtures/console-server.ts'
import { withServerDatabase } from '../fixtures/server-database.ts'

/*
 * The SQL console in Chromium against `schemata serve` and its real
 * PostgreSQL: type SQL and run it, a syntax error marked where PostgreSQL
 * points, a pg_sleep cancelled in PostgreSQL itself (gone from
 * pg_stat_activity), a fan-out to every tenant with progress and merged rows,
 * escapes refused; and one fan-out on the helpdesk example (two tenant types).
 */

const run = promisify(execFile)
const BIN = path.join(REPO_ROOT, 'bin', 'schemata.js')
const HELPDESK = path.join(REPO_ROOT, 'examples', 'helpdesk')

/** Statements running a pg_sleep now, with the login they run as. */
async function sleepers(server: ConsoleServer): Promise<{ usename: string; query: string }[]> {
  return withServerDatabase(server, async (db) => {
    const result = await db.query<{ usename: string; query: string }>(
      `SELECT usename, query FROM pg_stat_activity WHERE state = 'active' AND query ILIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`,
    )
    return result.rows
  })
}

const test = base.extend<{ consolePage: ConsolePage; sql: SqlConsole }, { demoServer: ConsoleServer; helpdeskServer: ConsoleServer }>({
  demoServer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startConsoleServer({ name: 'sqlconsole' })
      try {
        await use(server)
      } finally {
        await server.stop()
      }
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  helpdeskServer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startConsoleServer({
        name: 'sqlconsole-helpdesk',
        demo: false,
        // The helpdesk project for every later command, serve included, and three tenants of two types.
        prepare: async (env) => {
          env.SCHEMATA_CONFIG = HELPDESK
          await run(process.execPath, [BIN, 'migrate'], { env, cwd: REPO_ROOT, timeout: 120_000 })
          for (const [schema, type] of [
            ['northwind', 'standard'],
            ['contoso', 'enterprise'],
            ['fabrikam', 'enterprise'],
          ] as const) {
            await run(process.execPath, [BIN, 'tenant', 'create', '--name', schema, '--schema', schema, '--type', type], { env, cwd: REPO_ROOT, timeout: 120_000 })
          }
        },
      })
      try {
        await use(server)
      } finally {
        await server.stop()
      }
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  sql: async ({ page }, use) => {
    await use(new SqlConsole(page))
  },
})

test.describe('on the demo', () => {
  test.beforeEach(async ({ page, demoServer }) => {
    const consolePage = new ConsolePage(page, demoServer)
    await consolePage.open()
    await consolePage.switchByClick('acme')
    await consolePage.openView('sql')
  })

  test('types SQL, runs the statement under the cursor with Ctrl+Enter, and sees its rows with types', async ({ sql, demoServer }) => {
    await sql.type('SELECT 1 AS first;\nSELECT id, name, email FROM customers ORDER BY id')
    await sql.runWithKeyboard()
    await expect(sql.at.grid).toBeVisible()
    const expected = await withServerDatabase(demoServer, (db) => db.query<{ name: string }>('SELECT name FROM acme.customers ORDER BY id'))
    await expect(sql.at.column(sql.at.grid, 'name')).toHaveText(expected.rows.map((r) => r.name))
    await expect(sql.at.grid.locator('[data-testid="grid-column"][data-column="id"]')).toContainText('bigint')
    await expect(sql.at.summary).toContainText('read-only')
  })

  test('a syntax error is shown with PostgreSQL’s message and marked at its position', async ({ sql }) => {
    await sql.type('SELECT 1;\nSELECT name FROM customers WHER id = 1')
    await sql.runWithKeyboard()
    await expect(sql.at.error).toHaveAttribute('data-sqlstate', '42601')
    await expect(sql.at.error).toContainText('syntax error at or near "id"')
    await expect(sql.at.error.getByTestId('sql-error-position')).toHaveText('line 2, column 33')
    await expect(sql.at.errorMark).toHaveText('id')
  })

  test('Cancel stops a pg_sleep(30) in PostgreSQL: it leaves pg_stat_activity', async ({ sql, demoServer }) => {
    await sql.type('SELECT pg_sleep(30)')
    await sql.runWithKeyboard()
    await expect(sql.at.cancel).toBeVisible()
    // Running in PostgreSQL, logged in as the tenant's own role.
    await expect.poll(() => sleepers(demoServer), { timeout: 15_000 }).toEqual([{ usename: expect.stringMatching(/^tenant_[a-z0-9]+_acme$/) as unknown as string, query: 'SELECT pg_sleep(30)' }])
    const cancelledAt = Date.now()
    await sql.at.cancel.click()
    await expect(sql.at.error).toHaveAttribute('data-code', 'CANCELLED')
    await expect.poll(() => sleepers(demoServer), { timeout: 5_000 }).toEqual([])
    expect(Date.now() - cancelledAt).toBeLessThan(10_000)
  })

  test('escapes fail in the console too: the ledger and another tenant stay out of reach', async ({ sql }) => {
    await sql.type('SELECT * FROM public.tenants')
    await sql.runWithKeyboard()
    await expect(sql.at.error).toHaveAttribute('data-sqlstate', '42501')
    await expect(sql.at.error).toContainText('permission denied for table tenants')

    // RESET ROLE leads nowhere: the session is the tenant.
    await sql.type('RESET ROLE')
    await sql.runWithKeyboard()
    await expect(sql.at.view.getByTestId('sql-results')).toHaveAttribute('data-command', 'RESET')
    await sql.type('SELECT name FROM globex.customers')
    await sql.runWithKeyboard()
    await expect(sql.at.error).toHaveAttribute('data-sqlstate', '42501')
    await expect(sql.at.error).toContainText('permission denied for schema globex')

    // Both at once are two statements; Ctrl+Enter runs only the one under the cursor, which still fails.
    await sql.type('RESET ROLE; SELECT current_user AS me, count(*) FROM globex.customers')
    await sql.runWithKeyboard()
    await expect(sql.at.error).toHaveAttribute('data-sqlstate', '42501')

    // A write in read-only mode is refused by PostgreSQL's READ ONLY transaction.
    await sql.type("UPDATE customers SET name = 'x' WHERE false")
    await sql.runWithKeyboard()
    await expect(sql.at.error).toHaveAttribute('data-sqlstate', '25006')
  })

  test('fans out to all tenants: progress, merged rows with a tenant column, each tenant’s timing', async ({ sql, demoServer }) => {
    const counts = await withServerDatabase(demoServer, async (db) => {
      const result = await db.query<{ schema: string }>(`SELECT schema FROM public.tenants WHERE status = 'active' ORDER BY schema`)
      const out = new Map<string, string>()
      for (const { schema } of result.rows) {
        const n = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}".customers`)
        out.set(schema, n.rows[0]?.n ?? '')
      }
      return out
    })
    await sql.type('SELECT count(*) AS customers, pg_sleep(0.4) IS NULL AS slept FROM customers')
    await sql.at.runAll.click()
    await expect(sql.at.fanOut).toHaveAttribute('data-state', 'running')
    await expect(sql.at.fanOutProgress).toBeVisible()
    await expect(sql.at.fanOut).toHaveAttribute('data-state', 'done', { timeout: 30_000 })
    await expect(sql.at.fanOutProgress).toHaveAttribute('aria-valuenow', '100')
    await expect(sql.at.fanOutCounts).toContainText(`${counts.size} of ${counts.size} done · 0 failed · 0 remaining`)
    for (const [schema, n] of counts) {
      await expect(sql.at.fanOutRowsOf(schema).locator('[data-column="customers"]')).toHaveText(n)
    }
    await expect(sql.at.fanOutTenants).toHaveCount(counts.size)
    await expect(sql.at.fanOut.locator('[data-testid="fan-out-tenant"][data-schema="acme"] [data-testid="fan-out-tenant-ms"]')).toHaveText(/^\d+ ms$/)
  })

  test('cancel stops a fan-out: the rest are not started and nothing is left running', async ({ sql, demoServer }) => {
    await sql.type('SELECT pg_sleep(30)')
    await sql.at.runAll.click()
    await expect.poll(async () => (await sleepers(demoServer)).length, { timeout: 15_000 }).toBeGreaterThan(0)
    await sql.at.fanOutCancel.click()
    await expect(sql.at.fanOut).toHaveAttribute('data-state', 'cancelled', { timeout: 10_000 })
    await expect.poll(() => sleepers(demoServer), { timeout: 5_000 }).toEqual([])
  })
})

test('on the helpdesk example: the catalog is the tenant’s, and a fan-out reports the tenants that lack a table', async ({ page, helpdeskServer, sql }) => {
  const consolePage = new ConsolePage(page, helpdeskServer)
  await consolePage.open()
  await consolePage.switchByClick('contoso')
  await consolePage.openView('sql')
  await sql.type('SELECT count(*) AS entries FROM audit_log')
  await sql.runWithKeyboard()
  await expect(sql.at.column(sql.at.grid, 'entries')).toHaveText(['0'])

  await sql.at.runAll.click()
  await expect(sql.at.fanOut).toHaveAttribute('data-state', 'done', { timeout: 30_000 })
  await expect(sql.at.fanOutCounts).toContainText('3 of 3 done · 1 failed')
  await expect(sql.at.fanOut.locator('[data-testid="fan-out-tenant"][data-schema="northwind"] [data-testid="fan-out-tenant-error"]')).toHaveText(
    '42P01 relation "audit_log" does not exist',
  )
  await expect(sql.at.fanOutRowsOf('contoso').locator('[data-column="entries"]')).toHaveText('0')
  await expect(sql.at.fanOutRowsOf('fabrikam').locator('[data-column="entries"]')).toHaveText('0')

  // The shared plans are readable, never writable, even with writes allowed.
  await sql.type('SELECT count(*) >= 0 AS has_plans FROM plans')
  await sql.runWithKeyboard()
  await expect(sql.at.column(sql.at.grid, 'has_plans')).toHaveText(['true'])
  await sql.at.allowWrites.check()
  await sql.type('UPDATE plans SET name = name WHERE false')
  await sql.runWithKeyboard()
  await expect(sql.at.error).toHaveAttribute('data-sqlstate', '42501')
})
