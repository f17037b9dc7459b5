import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect } from '@playwright/test'
import { ConsolePage } from '../fixtures/page-actions/console-actions.ts'
import { SqlConsole } from '../fixtures/page-actions/sql-actions.ts'
import { REPO_ROOT, startConsoleServer, type ConsoleServer } from '../fixtures/console-server.ts'
import { withServerDatabase } from '../fixtures/server-database.ts'
import { consoleTestOn } from '../fixtures/console-test.ts'

/*
 * The console on the second example app, examples/helpdesk (issue 12): not the
 * demo's customers and orders but tickets, comments and agents per tenant, a
 * shared readable `plans` table in public, and two tenant types — enterprise
 * adds an `audit_log` written by a trigger. `serve` opens the project through
 * SCHEMATA_CONFIG; `contoso` (enterprise) is made by the CLI with 250 tickets
 * to browse and edit, and the dialog test makes tenants of its own.
 */

const run = promisify(execFile)
const BIN = path.join(REPO_ROOT, 'bin', 'schemata.js')
const HELPDESK = path.join(REPO_ROOT, 'examples', 'helpdesk')
const TICKETS = 250

/** `schemata serve` on the helpdesk project, with an enterprise tenant holding 250 tickets. */
async function startHelpdeskServer(): Promise<ConsoleServer> {
  const server = await startConsoleServer({
    name: 'helpdesk',
    config: HELPDESK,
    prepare: async (env) => {
      await run(process.execPath, [BIN, 'migrate'], { env, cwd: REPO_ROOT, timeout: 120_000 })
      await run(process.execPath, [BIN, 'tenant', 'create', '--name', 'Contoso', '--schema', 'contoso', '--type', 'enterprise'], {
        env,
        cwd: REPO_ROOT,
        timeout: 120_000,
      })
    },
  })
  try {
    // Statuses cycle every ticket, priorities every fourth, so each pair occurs; created_at is shuffled against id.
    await withServerDatabase(server, (db) =>
      db.query(`
        INSERT INTO contoso.agents (name, email, role) VALUES ('Ada Agent', 'ada@contoso.test', 'lead');
        INSERT INTO contoso.tickets (subject, requester_email, status, priority, created_at)
          SELECT 'Ticket ' || g, 'customer' || g || '@example.com',
                 (ARRAY['open', 'pending', 'solved', 'closed'])[1 + g % 4],
                 (ARRAY['low', 'normal', 'high', 'urgent'])[1 + (g / 4) % 4],
                 timestamptz '2026-01-01 00:00:00+00' + ((g * 97) % ${TICKETS}) * interval '1 hour'
            FROM generate_series(1, ${TICKETS}) AS g;`),
    )
    return server
  } catch (error) {
    await server.stop()
    throw error
  }
}

const test = consoleTestOn(startHelpdeskServer, { timeout: 240_000 }).extend<{ sql: SqlConsole }>({
  sql: async ({ page }, use) => {
    await use(new SqlConsole(page))
  },
})

// Each test drives several round trips through serve and reads PostgreSQL beside it; on a loaded
// two-core machine the default 60 s is too close.
test.describe.configure({ timeout: 120_000 })

/** The active tenant's own tables, as the Data view lists them. */
async function ownTables(consolePage: ConsolePage): Promise<string[]> {
  const items = consolePage.at.data.view.locator('[data-testid="table-list-item"][data-shared="false"]')
  await expect(items.first()).toBeVisible()
  return Promise.all((await items.all()).map(async (item) => (await item.getAttribute('data-table')) ?? ''))
}

test('creates a standard and an enterprise tenant in the dialog: only the enterprise one has audit_log', async ({ consolePage, rpc }) => {
  const { data, createTenant } = consolePage.at
  await expect(consolePage.at.tab('customers')).toHaveCount(0)

  // The dialog offers the project's two types and describes the chosen one.
  await consolePage.startCreateTenant()
  await expect(createTenant.type.locator('option')).toHaveText(['Standard (default)', 'Enterprise'])
  await expect(createTenant.type).toHaveValue('standard')
  await createTenant.type.selectOption('enterprise')
  await expect(createTenant.dialog).toContainText('Standard plus an audit log of every ticket change.')
  await createTenant.dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(createTenant.dialog).toBeHidden()

  await consolePage.createTenant({ name: 'Fabrikam Support', schema: 'fabrikam', type: 'standard' })
  await consolePage.createTenant({ name: 'Initech Support', schema: 'initech', type: 'enterprise' })
  const types = Object.fromEntries((await rpc.call('tenants/list', {})).map((t) => [t.schema, t.type]))
  expect(types).toMatchObject({ fabrikam: 'standard', initech: 'enterprise' })

  await consolePage.openView('data')
  await consolePage.expectActive('initech')
  await expect(data.tableItem('audit_log')).toBeVisible()
  expect(await ownTables(consolePage)).toEqual(['agents', 'audit_log', 'comments', 'subscription', 'tickets'])

  await consolePage.switchByClick('fabrikam')
  await expect(data.view.getByRole('heading', { name: 'Tables of fabrikam' })).toBeVisible()
  expect(await ownTables(consolePage)).toEqual(['agents', 'comments', 'subscription', 'tickets'])
  await expect(data.tableItem('audit_log')).toHaveCount(0)
})

test('browses 250 tickets: pages of 100, sorted by a column, filtered by status and priority', async ({ consolePage, consoleServer }) => {
  const { data } = consolePage.at
  const table = data.table
  await consolePage.switchByClick('contoso')
  await consolePage.openView('data')
  await expect(data.tableItem('tickets')).toContainText(`${TICKETS} rows`)
  await data.tableItem('tickets').click()
  await expect(table.view).toHaveAttribute('data-table', 'tickets')
  await expect(table.header('tags')).toContainText('text[]')

  // Pages: 100, 200, then the last 50 and no more to load.
  await expect(table.loaded).toHaveText('100 rows loaded')
  await expect(table.column('number').first()).toHaveText('1001')
  await expect(table.column('number').last()).toHaveText('1100')
  await table.loadMore.click()
  await expect(table.loaded).toHaveText('200 rows loaded')
  await expect(table.column('number').nth(100)).toHaveText('1101')
  await table.loadMore.click()
  await expect(table.loaded).toHaveText(`${TICKETS} rows loaded`)
  await expect(table.column('number').last()).toHaveText(String(1000 + TICKETS))
  await expect(table.loadMore).toHaveCount(0)

  // Newest first: two clicks on created_at.
  const newest = await withServerDatabase(consoleServer, (db) =>
    db.query<{ number: string }>('SELECT number::text FROM contoso.tickets ORDER BY created_at DESC, id DESC LIMIT 3'),
  )
  await table.header('created_at').getByRole('button').click()
  await expect(table.header('created_at')).toHaveAttribute('aria-sort', 'ascending')
  await table.header('created_at').getByRole('button').click()
  await expect(table.header('created_at')).toHaveAttribute('aria-sort', 'descending')
  await expect(table.column('number').nth(0)).toHaveText(newest.rows[0]?.number ?? '')
  await expect(table.column('number').nth(1)).toHaveText(newest.rows[1]?.number ?? '')
  await expect(table.column('number').nth(2)).toHaveText(newest.rows[2]?.number ?? '')

  // Urgent tickets still open or pending, in the same order.
  const urgent = await withServerDatabase(consoleServer, (db) =>
    db.query<{ number: string }>(
      "SELECT number::text FROM contoso.tickets WHERE status IN ('open', 'pending') AND priority = 'urgent' ORDER BY created_at DESC, id DESC",
    ),
  )
  expect(urgent.rows.length).toBeGreaterThan(0)
  await table.filtersToggle.click()
  const bar = consolePage.page.getByTestId('filter-bar')
  await bar.getByRole('button', { name: '+ Add filter' }).click()
  await bar.getByLabel('Filter 1 column').selectOption('status')
  await bar.getByLabel('Filter 1 operator').selectOption('in')
  await bar.getByLabel('Filter 1 value').fill('open, pending')
  await bar.getByRole('button', { name: '+ Add filter' }).click()
  await bar.getByLabel('Filter 2 column').selectOption('priority')
  await bar.getByLabel('Filter 2 value').fill('urgent')
  await bar.getByRole('button', { name: 'Apply' }).click()
  await expect(table.loaded).toHaveText(`${urgent.rows.length} rows loaded`)
  await expect(table.column('number')).toHaveText(urgent.rows.map((r) => r.number))
  expect(new Set(await table.column('priority').allTextContents())).toEqual(new Set(['urgent']))
  expect(new Set(await table.column('status').allTextContents())).toEqual(new Set(['open', 'pending']))
})

test('edits a ticket with "Allow edits" (the audit log records it), and refuses one changed meanwhile', async ({ consolePage, consoleServer }) => {
  const { data, rowEditor } = consolePage.at
  const table = data.table
  await consolePage.switchByClick('contoso')
  await consolePage.openView('data')
  await data.tableItem('tickets').click()
  await expect(table.readOnly).toContainText('edits are off')
  await expect(table.rowWhere('number', '1001').getByTestId('grid-edit')).toBeDisabled()
  await consolePage.allowEdits(table)

  const first = table.rowWhere('number', '1001')
  await expect(first.locator('[data-column="status"]')).not.toHaveText('solved')
  await first.getByTestId('grid-edit').click()
  await rowEditor.field('status').fill('solved')
  await rowEditor.save.click()
  await expect(rowEditor.dialog).toBeHidden()
  await expect(first.locator('[data-column="status"]')).toHaveText('solved')
  const stored = await withServerDatabase(consoleServer, (db) =>
    db.query(
      `SELECT t.status, a.action, a.new_row->>'status' AS audited
         FROM contoso.tickets t JOIN contoso.audit_log a ON a.ticket_id = t.id AND a.action = 'update'
        WHERE t.number = 1001`,
    ),
  )
  expect(stored.rows).toEqual([{ status: 'solved', action: 'update', audited: 'solved' }])

  // The page has read ticket 1002; someone changes it before the edit is saved.
  const second = table.rowWhere('number', '1002')
  const before = (await second.locator('[data-column="priority"]').textContent()) ?? ''
  await second.getByTestId('grid-edit').click()
  await expect(rowEditor.dialog).toBeVisible()
  await withServerDatabase(consoleServer, (db) => db.query("UPDATE contoso.tickets SET status = 'closed' WHERE number = 1002"))
  const priority = before === 'high' ? 'low' : 'high'
  await rowEditor.field('priority').fill(priority)
  await rowEditor.save.click()
  await expect(rowEditor.error).toContainText('changed by another session since you read it')
  await expect(rowEditor.dialog).toBeVisible()
  await rowEditor.dialog.getByRole('button', { name: 'Cancel' }).click()
  const afterConflict = await withServerDatabase(consoleServer, (db) => db.query('SELECT status, priority FROM contoso.tickets WHERE number = 1002'))
  expect(afterConflict.rows).toEqual([{ status: 'closed', priority: before }])

  await table.reload.click()
  await expect(second.locator('[data-column="status"]')).toHaveText('closed')
})

test('plans are listed as shared and read-only from a tenant, and cannot be written', async ({ consolePage, consoleServer, rpc }) => {
  const { data } = consolePage.at
  const table = data.table
  await consolePage.switchByClick('contoso')
  await consolePage.openView('data')
  await expect(data.view.getByRole('heading', { name: 'Shared (read-only)' })).toBeVisible()
  await expect(data.tableItem('plans', true)).toContainText('4 rows')
  await expect(data.tableItem('plans', false)).toHaveCount(0)
  await data.tableItem('plans', true).click()
  await expect(table.view).toHaveAttribute('data-shared', 'true')
  await expect(table.view.getByText('shared · read-only')).toBeVisible()
  const plans = await withServerDatabase(consoleServer, (db) => db.query<{ name: string }>('SELECT name FROM public.plans ORDER BY id'))
  await expect(table.column('name')).toHaveText(plans.rows.map((r) => r.name))
  await expect(table.readOnly).toContainText('a shared readable table: every tenant may read it, none may write it')
  await expect(table.allowEdits).toHaveCount(0)
  await expect(table.insert).toBeDisabled()
  await expect(table.rows.first().getByTestId('grid-edit')).toBeDisabled()

  // Not only hidden: with edits allowed for the tenant, the server refuses a write to plans (a
  // read-only table's rows come without versions, so any well-formed one will do).
  await rpc.call('tenants/switch', { schema: 'contoso' })
  await rpc.call('data/allow-edits', { tenant: 'contoso', allow: true })
  const page = await rpc.call('data/rows', { tenant: 'contoso', table: 'plans', shared: true })
  expect(page.rows).toHaveLength(4)
  expect(page.versions ?? []).toEqual([])
  const refused = rpc.call('data/update', { tenant: 'contoso', table: 'plans', shared: true, key: { id: 'free' }, version: '1', values: { name: 'Hacked' } })
  await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('none may write it') })
  const unchanged = await withServerDatabase(consoleServer, (db) => db.query<{ name: string }>('SELECT name FROM public.plans ORDER BY id'))
  expect(unchanged.rows).toEqual(plans.rows)
})

test('runs SQL in the SQL view as the tenant: its tickets, joined to the shared plans', async ({ consolePage, consoleServer, sql }) => {
  await consolePage.switchByClick('contoso')
  await consolePage.openView('sql')
  await sql.type("SELECT status, count(*) AS tickets FROM tickets GROUP BY status ORDER BY status;\nSELECT p.name AS plan, current_schema() AS schema FROM subscription s JOIN plans p ON p.id = s.plan_id")
  await sql.at.editor.click()
  await consolePage.page.keyboard.press('ControlOrMeta+Home')
  await consolePage.page.keyboard.press('ControlOrMeta+Enter')
  const counts = await withServerDatabase(consoleServer, (db) =>
    db.query<{ status: string; tickets: string }>('SELECT status, count(*)::text AS tickets FROM contoso.tickets GROUP BY status ORDER BY status'),
  )
  await expect(sql.at.column(sql.at.grid, 'status')).toHaveText(counts.rows.map((r) => r.status))
  await expect(sql.at.column(sql.at.grid, 'tickets')).toHaveText(counts.rows.map((r) => r.tickets))

  await sql.runWithKeyboard()
  await expect(sql.at.column(sql.at.grid, 'plan')).toHaveText(['Free'])
  await expect(sql.at.column(sql.at.grid, 'schema')).toHaveText(['contoso'])
})
