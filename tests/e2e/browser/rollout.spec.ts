import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { tenantMigrations } from '../../fixtures/demo-project.ts'
import { expect, test } from '../fixtures/console-test.ts'
import { withServerDatabase } from '../fixtures/server-database.ts'

const run = promisify(execFile)
const BIN = path.resolve('bin/schemata.js')

/*
 * A staged run started from the CLI halts on a tenant whose migration fails;
 * the console's migrations view shows it in the timeline (the canary, the
 * wave, where it halted), and its Resume button finishes the run once the
 * cause is gone.
 */
test('the timeline shows a halted run, and Resume completes it', async ({ consolePage, consoleServer, page }) => {
  test.setTimeout(180_000)
  const last = tenantMigrations.at(-1)
  if (!last?.down) throw new Error('the last demo tenant migration has no down')
  const behind = last.name
  const fleet = ['acme', 'globex', 'initech']
  // Every demo tenant one migration behind; globex already has one of the columns the migration adds,
  // so applying it there fails (42701) until that column is dropped again.
  await withServerDatabase(consoleServer, async (client) => {
    for (const schema of fleet) {
      await client.query(`BEGIN; SET LOCAL search_path TO ${schema}, public`)
      await last.down?.({ query: async (sql) => (await client.query<Record<string, unknown>>(sql)).rows, exec: async (sql) => void (await client.query(sql)), schema })
      await client.query(
        `DELETE FROM ${schema}.schemata_migrations WHERE name = '${behind}';
         DELETE FROM public.tenant_migrations WHERE schema = '${schema}' AND name = '${behind}';
         COMMIT`,
      )
    }
    await client.query('ALTER TABLE globex.users ADD COLUMN disabled_at timestamptz')
  })

  const halted = await run(process.execPath, [BIN, 'migrate', '--canary', 'acme,globex', '--concurrency', '1', '--json'], { env: consoleServer.env, timeout: 120_000 }).catch(
    (error: { code?: number; stdout?: string }) => error,
  )
  expect((halted as { code?: number }).code).toBe(1)
  const runId = (JSON.parse(String(halted.stdout)) as { id: number }).id

  await consolePage.openView('migrations')
  const timeline = page.getByTestId('run-timeline')
  const entry = timeline.getByTestId('run-entry').and(page.locator(`[data-run="${runId}"]`))
  await expect(entry).toHaveAttribute('data-status', 'halted')
  await expect(entry.getByTestId('run-status')).toHaveText('Halted')
  await expect(entry.getByTestId('run-reason')).toHaveText('1 tenant failed (--max-failures 1): globex')
  await expect(entry.getByTestId('run-counts')).toHaveText('1/3 migrated · 1 failed · 1 untouched')
  const stages = entry.getByTestId('run-stage')
  await expect(stages).toHaveCount(2)
  await expect(stages.nth(0)).toHaveAttribute('data-kind', 'canary')
  await expect(stages.nth(1)).toHaveAttribute('data-kind', 'wave')
  const cell = (schema: string) => entry.getByTestId('run-cell').and(page.locator(`[data-schema="${schema}"]`))
  await expect(cell('acme')).toHaveAttribute('data-status', 'migrated')
  await expect(cell('globex')).toHaveAttribute('data-status', 'failed')
  await expect(cell('globex')).toHaveAttribute('title', /42701/)
  await expect(cell('initech')).toHaveAttribute('data-status', 'pending')
  // Halted after the canary, the stage that started last.
  await expect(entry.getByTestId('run-halt-marker')).toHaveCount(1)
  await expect(stages.nth(0).locator('xpath=..').getByTestId('run-halt-marker')).toBeVisible()
  // The grid beside it: globex and initech still behind.
  await expect(consolePage.at.migrations.cell('globex', behind)).toHaveAttribute('data-state', 'pending')
  await expect(consolePage.at.migrations.cell('acme', behind)).toHaveAttribute('data-state', 'applied')

  await withServerDatabase(consoleServer, (client) => client.query('ALTER TABLE globex.users DROP COLUMN disabled_at'))
  await entry.getByTestId('run-resume').click()

  const resumed = timeline.getByTestId('run-entry').first()
  await expect(resumed).not.toHaveAttribute('data-run', String(runId))
  await expect(resumed).toHaveAttribute('data-status', 'completed')
  await expect(resumed.getByTestId('run-counts')).toHaveText('2/2 migrated')
  await expect(resumed).toContainText(`resumes run ${runId}`)
  await expect(entry).toContainText(/resumed by run \d+/)
  await expect(entry.getByTestId('run-resume')).toHaveCount(0)
  for (const schema of fleet) await expect(consolePage.at.migrations.cell(schema, behind)).toHaveAttribute('data-state', 'applied')
  // In the database too: both ledgers have it everywhere.
  const [counts] = await withServerDatabase(consoleServer, async (client) =>
    (await client.query<{ central: string }>('SELECT count(*) AS central FROM public.tenant_migrations WHERE name = $1 AND schema = ANY($2)', [behind, fleet])).rows,
  )
  expect(counts).toEqual({ central: '3' })
})
