import { mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { diagnose } from '../../electron/main/doctor/doctor.ts'
import { qualified } from '../../electron/main/db/sql.ts'
import { exportTenantToFile } from '../../electron/main/lifecycle/export-tenant.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { BackendWatcher, SCHEMATA_BIN, type KillOutcome, killDuringWork, measureWorkWindow, runNode, withApplicationName } from '../fixtures/cli-process.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * SIGKILL during `tenant clone`, `tenant import`, `tenant swap` and `tenant
 * move`, at random moments of their database work (≥ 20 trials each): the
 * tenant is whole or absent (swapped or not; moved, not yet moved, or with a
 * verified copy waiting for the rerun), no orphan schema or role is left, the
 * doctor has nothing to report (an interrupted move's own notice aside), and
 * running the same command again completes. The tenants are small enough
 * that a trial takes a couple of seconds, and big enough (thousands of rows)
 * that the copy is a good part of the work window.
 */

const TRIALS = 20
const ROWS = 4000

let t: TestDatabase
let target: TestDatabase
let watcher: BackendWatcher
const dir = mkdtempSync(join(resolve('.test-data'), 'crash-lifecycle-'))
let exportFile = ''
const results: Record<string, { killed: number; inside: number; finished: number; states: Record<string, number> }> = {}

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  target = await createTestDatabase(inject('embeddedAdminUrl'))
  watcher = await BackendWatcher.open(t.url)
  await seedTenant('source', ROWS)
  exportFile = join(dir, 'source.tenant')
  await exportTenantToFile(t.db, exportFile, { schema: 'source' })
}, 300_000)
afterAll(async () => {
  for (const [operation, r] of Object.entries(results)) console.log(`[crash: tenant ${operation}] ${JSON.stringify(r)}`)
  await watcher?.close()
  await t?.drop()
  await target?.drop()
})

async function seedTenant(schema: string, rows: number, marker = schema): Promise<void> {
  await t.tenancy.createTenant({ name: `Tenant ${schema}`, schema })
  await t.tenancy.withTenant(schema, async (scope) => {
    await scope.query(
      `INSERT INTO customers (name, email) SELECT 'Customer ' || i || ' ' || repeat('x', 40), 'c' || i || '@example.com' FROM generate_series(1, $1::int) i`,
      [rows / 2],
    )
    await scope.query('INSERT INTO orders (customer_id, amount_cents) SELECT id, id FROM customers')
    await scope.query('INSERT INTO users (email, password_hash) VALUES ($1, $2)', [`marker@${marker}.example`, 'x'])
  })
}

/** What of a tenant exists in `db`: its registry row, schema, role, and its rows. */
async function footprint(db: TestDatabase, schema: string) {
  const [row] = await db.db.rows<{ registered: boolean; status: string | null; schema: boolean; role: boolean; central: string; tables: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM public.tenants WHERE schema = $1) AS registered,
            (SELECT status FROM public.tenants WHERE schema = $1) AS status,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role,
            (SELECT count(*) FROM public.tenant_migrations WHERE schema = $1) AS central,
            to_regclass(quote_ident($1) || '.users') IS NOT NULL AS tables`,
    [schema, tenantRoleName(db.name, schema)],
  )
  let rows: number | null = null
  let marker: string | null = null
  if (row?.tables) {
    const [data] = await db.db.rows<{ n: string; m: string | null }>(
      `SELECT (SELECT count(*) FROM ${qualified(schema, 'customers')}) + (SELECT count(*) FROM ${qualified(schema, 'orders')}) AS n,
              (SELECT min(email) FROM ${qualified(schema, 'users')}) AS m`,
    )
    rows = Number(data?.n ?? 0)
    marker = data?.m ?? null
  }
  return {
    registered: row?.registered === true,
    status: row?.status ?? null,
    schema: row?.schema === true,
    role: row?.role === true,
    central: Number(row?.central ?? 0),
    rows,
    marker,
  }
}

function isComplete(f: Awaited<ReturnType<typeof footprint>>, rows = ROWS): boolean {
  return f.registered && f.schema && f.role && f.central === 2 && f.rows === rows
}

function isAbsent(f: Awaited<ReturnType<typeof footprint>>): boolean {
  return !f.registered && !f.schema && !f.role && f.central === 0
}

/** Tenant-like schemas and roles nobody registered (a swap's temporaries, a half-made tenant). */
async function strays(db: TestDatabase): Promise<string[]> {
  const rows = await db.db.rows<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace
      WHERE (nspname LIKE '\\_swap\\_%' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = pg_namespace.oid AND c.relname = 'schemata_migrations'))
        AND nspname <> 'public' AND nspname NOT IN (SELECT schema FROM public.tenants)
     UNION ALL
     SELECT rolname FROM pg_roles WHERE (rolname LIKE 'tenant\\_swap\\_%' OR starts_with(rolname, $1)) AND rolname NOT IN (SELECT role FROM public.tenants)`,
    [tenantRoleName(db.name, '')],
  )
  return rows.map((r) => r.name)
}

/** The doctor on `db`: nothing but (with `moving` allowed) the notice of an interrupted move. */
async function expectDoctorClean(db: TestDatabase, label: string, allowMoving = false): Promise<void> {
  const { findings } = await diagnose(db.tenancy)
  const unexpected = findings.filter((f) => !(allowMoving && f.check === 'move-interrupted'))
  expect(unexpected, label).toEqual([])
}

function tally(operation: string, kill: KillOutcome, state: string): void {
  const r = (results[operation] ??= { killed: 0, inside: 0, finished: 0, states: {} })
  if (kill.killed) r.killed++
  if (kill.inTransactionAtKill) r.inside++
  if (kill.exitedFirst) r.finished++
  r.states[state] = (r.states[state] ?? 0) + 1
}

/** The work window of a command: how long it talks to the database, measured on an uninterrupted run. */
async function window(args: (i: number) => string[], app: string, prepare: (i: number) => Promise<void> = async () => undefined): Promise<number> {
  await prepare(-1)
  const run = await measureWorkWindow(watcher, { nodeArgs: args(-1), env: { DATABASE_URL: withApplicationName(t.url, app) }, applicationName: app })
  expect(run.outcome.code, run.outcome.stderr).toBe(0)
  return run.workMs
}

async function killAt(args: string[], app: string, windowMs: number): Promise<KillOutcome> {
  const kill = await killDuringWork(watcher, {
    nodeArgs: args,
    env: { DATABASE_URL: withApplicationName(t.url, app) },
    applicationName: app,
    delayMs: Math.random() * windowMs,
  })
  await watcher.waitUntilGone(app)
  if (kill.exitedFirst) expect(kill.outcome.code, kill.outcome.stderr).toBe(0)
  return kill
}

const name = (prefix: string, i: number) => (i < 0 ? `${prefix}_calibrate` : `${prefix}_${i}`)

describe('SIGKILL during tenant lifecycle commands', () => {
  it(`clone --data: the copy is whole or absent, and a rerun completes (${TRIALS} trials)`, async () => {
    const args = (i: number) => [SCHEMATA_BIN, 'tenant', 'clone', '--from', 'source', '--schema', name('clone', i), '--data']
    const windowMs = await window(args, 'crash_clone_calibrate')
    for (let i = 0; i < TRIALS; i++) {
      const kill = await killAt(args(i), `crash_clone_${i}`, windowMs)
      const after = await footprint(t, name('clone', i))
      const state = isComplete(after) ? 'complete' : isAbsent(after) ? 'absent' : 'partial'
      expect(state, `trial ${i}: ${JSON.stringify(after)}`).not.toBe('partial')
      expect(await strays(t)).toEqual([])
      await expectDoctorClean(t, `clone trial ${i}`)
      const rerun = await runNode(args(i), { DATABASE_URL: t.url })
      expect(rerun.code, rerun.stderr).toBe(state === 'absent' ? 0 : 2)
      expect(isComplete(await footprint(t, name('clone', i)))).toBe(true)
      tally('clone', kill, state)
    }
    expect(results.clone?.killed).toBeGreaterThanOrEqual(TRIALS / 2)
  }, 600_000)

  it(`import: the tenant is whole or absent, and a rerun completes (${TRIALS} trials)`, async () => {
    const args = (i: number) => [SCHEMATA_BIN, 'tenant', 'import', exportFile, '--schema', name('imp', i)]
    const windowMs = await window(args, 'crash_import_calibrate')
    for (let i = 0; i < TRIALS; i++) {
      const kill = await killAt(args(i), `crash_import_${i}`, windowMs)
      const after = await footprint(t, name('imp', i))
      const state = isComplete(after) ? 'complete' : isAbsent(after) ? 'absent' : 'partial'
      expect(state, `trial ${i}: ${JSON.stringify(after)}`).not.toBe('partial')
      expect(await strays(t)).toEqual([])
      await expectDoctorClean(t, `import trial ${i}`)
      const rerun = await runNode(args(i), { DATABASE_URL: t.url })
      expect(rerun.code, rerun.stderr).toBe(state === 'absent' ? 0 : 2)
      expect(isComplete(await footprint(t, name('imp', i)))).toBe(true)
      tally('import', kill, state)
    }
    expect(results.import?.killed).toBeGreaterThanOrEqual(TRIALS / 2)
  }, 600_000)

  it(`swap: swapped or not, never half, no temporaries left, and a rerun completes (${TRIALS} trials)`, async () => {
    await seedTenant('swap_a', 200)
    await seedTenant('swap_b', 200)
    const args = () => [SCHEMATA_BIN, 'tenant', 'swap', '--schema', 'swap_a', '--with', 'swap_b']
    const windowMs = await window(args, 'crash_swap_calibrate')
    for (let i = 0; i < TRIALS; i++) {
      const before = (await footprint(t, 'swap_a')).marker
      const kill = await killAt(args(), `crash_swap_${i}`, windowMs)
      const left = await footprint(t, 'swap_a')
      const right = await footprint(t, 'swap_b')
      expect(isComplete(left, 200) && isComplete(right, 200), `trial ${i}`).toBe(true)
      expect(new Set([left.marker, right.marker])).toEqual(new Set(['marker@swap_a.example', 'marker@swap_b.example']))
      const state = left.marker === before ? 'not swapped' : 'swapped'
      expect(await strays(t)).toEqual([])
      await expectDoctorClean(t, `swap trial ${i}`)
      const rerun = await runNode(args(), { DATABASE_URL: t.url })
      expect(rerun.code, rerun.stderr).toBe(0)
      expect((await footprint(t, 'swap_a')).marker).not.toBe(left.marker)
      tally('swap', kill, state)
    }
  }, 600_000)

  it(`move: never a half copy or a tenant moved without its copy, and a rerun completes (${TRIALS} trials)`, async () => {
    const args = (i: number) => [SCHEMATA_BIN, 'tenant', 'move', '--schema', name('mv', i), '--to', target.url]
    const windowMs = await window(args, 'crash_move_calibrate', (i) => seedTenant(name('mv', i), ROWS))
    for (let i = 0; i < TRIALS; i++) {
      await seedTenant(name('mv', i), ROWS)
      const kill = await killAt(args(i), `crash_move_${i}`, windowMs)
      const here = await footprint(t, name('mv', i))
      const there = await footprint(target, name('mv', i))
      const copied = isComplete(there)
      expect(copied || isAbsent(there), `trial ${i}: target ${JSON.stringify(there)}`).toBe(true)
      // The source keeps its data until it is marked moved, and is only marked moved once the copy exists.
      expect(isComplete(here), `trial ${i}: source ${JSON.stringify(here)}`).toBe(true)
      if (here.status === 'moved') expect(copied).toBe(true)
      const state = `${here.status ?? '?'}${copied ? ' + copy' : ''}`
      expect(await strays(t)).toEqual([])
      expect(await strays(target)).toEqual([])
      await expectDoctorClean(t, `move trial ${i} (source)`, true)
      await expectDoctorClean(target, `move trial ${i} (target)`)
      if (here.status !== 'moved') {
        const rerun = await runNode(args(i), { DATABASE_URL: t.url })
        expect(rerun.code, rerun.stderr).toBe(0)
      }
      expect((await footprint(t, name('mv', i))).status).toBe('moved')
      expect(isComplete(await footprint(target, name('mv', i)))).toBe(true)
      tally('move', kill, state)
    }
    await expectDoctorClean(t, 'after the move trials')
  }, 600_000)
})
