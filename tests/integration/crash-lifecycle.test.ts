import { mkdtempSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { diagnose } from '../../electron/main/doctor/doctor.ts'
import { qualified } from '../../electron/main/db/sql.ts'
import { exportTenantToFile } from '../../electron/main/lifecycle/export-tenant.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { runCli } from '../../electron/main/cli/main.ts'
import { BackendWatcher, type KillOutcome, type WarmCli, killDuringWork, warmCli, withApplicationName } from '../fixtures/cli-process.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'

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
const MOVE_ROWS = 2000
const PREFETCH = 3

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
  rmSync(dir, { recursive: true, force: true })
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
  return f.registered && f.schema && f.role && f.central === tenantMigrations.length && f.rows === rows
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

/** The same command again, in this process: the real CLI code, its output and exit code. */
async function rerun(argv: readonly string[]): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  const io = { out: () => undefined, err: (line: string) => void (stderr += `${line}\n`) }
  return { code: await runCli(argv, io, { DATABASE_URL: t.url }), stderr }
}

/**
 * Runs `trials` kills of `argv(i)`: each in a CLI process started while the
 * previous trial was being checked, SIGKILLed at a random moment of its
 * database work (the window measured on an uninterrupted run first); `check`
 * then looks at what the kill left.
 */
async function trials(operation: string, argv: (i: number) => string[], check: (i: number, kill: KillOutcome) => Promise<string>, prepare: (i: number) => Promise<void> = () => Promise.resolve()): Promise<void> {
  const app = (i: number) => `crash_${operation}_${i < 0 ? 'calibrate' : i}`
  const spawn = (i: number) => warmCli({ DATABASE_URL: withApplicationName(t.url, app(i)) })
  await prepare(-1)
  // The window: how long an uninterrupted run works after its first connection.
  const calibration = await killDuringWork(watcher, { nodeArgs: argv(-1), env: {}, warm: await spawn(-1), applicationName: app(-1) })
  expect(calibration.outcome.code, calibration.outcome.stderr).toBe(0)
  const windowMs = calibration.atMs
  // A few processes loading ahead: a cold start (tsx, the CLI) takes longer than checking a trial.
  const ahead: Promise<WarmCli>[] = []
  for (let i = 0; i < Math.min(PREFETCH, TRIALS); i++) ahead.push(spawn(i))
  for (let i = 0; i < TRIALS; i++) {
    await prepare(i)
    const warm = await (ahead.shift() as Promise<WarmCli>)
    if (i + PREFETCH < TRIALS) ahead.push(spawn(i + PREFETCH))
    // Even trials: a random moment of the whole work window. Odd ones: a random moment once the
    // command's transaction is open, so a good share of kills lands inside it for certain.
    const insideOnly = i % 2 === 1
    const kill = await killDuringWork(watcher, {
      nodeArgs: argv(i),
      env: {},
      warm,
      applicationName: app(i),
      ...(insideOnly
        ? {
            killWhen: async () => {
              if (!(await watcher.backends(app(i))).some((b) => b.in_transaction)) return false
              await sleep(Math.random() * 5)
              return true
            },
          }
        : { delayMs: Math.random() * windowMs }),
    })
    await watcher.waitUntilGone(app(i))
    if (kill.exitedFirst) expect(kill.outcome.code, kill.outcome.stderr).toBe(0)
    tally(operation, kill, await check(i, kill))
  }
  expect(results[operation]?.killed, `${operation}: most kills must land while it works`).toBeGreaterThanOrEqual(TRIALS / 2)
  expect(results[operation]?.inside, `${operation}: kills inside the transaction`).toBeGreaterThanOrEqual(TRIALS / 5)
}

const name = (prefix: string, i: number) => (i < 0 ? `${prefix}_calibrate` : `${prefix}_${i}`)

/**
 * A trial's check for a command that makes one new tenant: after the kill it is
 * whole or absent (never partial), nothing stray is left, doctor is clean, and
 * running the command again completes it (or says it exists). Then it goes.
 */
function wholeOrAbsent(command: string, prefix: string, argv: (i: number) => string[]) {
  return async (i: number): Promise<'complete' | 'absent'> => {
    const after = await footprint(t, name(prefix, i))
    const state = isComplete(after) ? 'complete' : isAbsent(after) ? 'absent' : 'partial'
    expect(state, `trial ${i}: ${JSON.stringify(after)}`).not.toBe('partial')
    expect(await strays(t)).toEqual([])
    await expectDoctorClean(t, `${command} trial ${i}`)
    const again = await rerun(argv(i))
    expect(again.code, again.stderr).toBe(state === 'absent' ? 0 : 2)
    expect(isComplete(await footprint(t, name(prefix, i)))).toBe(true)
    await t.tenancy.dropTenant(name(prefix, i))
    return state as 'complete' | 'absent'
  }
}

describe('SIGKILL during tenant lifecycle commands', () => {
  it(`clone --data: the copy is whole or absent, and a rerun completes (${TRIALS} trials)`, async () => {
    const argv = (i: number) => ['tenant', 'clone', '--from', 'source', '--schema', name('clone', i), '--data']
    await trials('clone', argv, wholeOrAbsent('clone', 'clone', argv))
  }, 300_000)

  it(`import: the tenant is whole or absent, and a rerun completes (${TRIALS} trials)`, async () => {
    const argv = (i: number) => ['tenant', 'import', exportFile, '--schema', name('imp', i)]
    await trials('import', argv, wholeOrAbsent('import', 'imp', argv))
  }, 300_000)

  it(`swap: swapped or not, never half, no temporaries left, and a rerun completes (${TRIALS} trials)`, async () => {
    await seedTenant('swap_a', 200)
    await seedTenant('swap_b', 200)
    const argv = () => ['tenant', 'swap', '--schema', 'swap_a', '--with', 'swap_b']
    let before: string | null = null
    await trials(
      'swap',
      argv,
      async (i) => {
        const left = await footprint(t, 'swap_a')
        const right = await footprint(t, 'swap_b')
        expect(isComplete(left, 200) && isComplete(right, 200), `trial ${i}`).toBe(true)
        expect(new Set([left.marker, right.marker])).toEqual(new Set(['marker@swap_a.example', 'marker@swap_b.example']))
        const state = left.marker === before ? 'not swapped' : 'swapped'
        expect(await strays(t)).toEqual([])
        await expectDoctorClean(t, `swap trial ${i}`)
        const again = await rerun(argv())
        expect(again.code, again.stderr).toBe(0)
        expect((await footprint(t, 'swap_a')).marker).not.toBe(left.marker)
        return state
      },
      async () => {
        before = (await footprint(t, 'swap_a')).marker
      },
    )
  }, 300_000)

  it(`move: never a half copy or a tenant moved without its copy, and a rerun completes (${TRIALS} trials)`, async () => {
    const argv = (i: number) => ['tenant', 'move', '--schema', name('mv', i), '--to', target.url]
    await trials(
      'move',
      argv,
      async (i) => {
        const here = await footprint(t, name('mv', i))
        const there = await footprint(target, name('mv', i))
        const copied = isComplete(there, MOVE_ROWS)
        expect(copied || isAbsent(there), `trial ${i}: target ${JSON.stringify(there)}`).toBe(true)
        // The source keeps its data until it is marked moved, and is only marked moved once the copy exists.
        expect(isComplete(here, MOVE_ROWS), `trial ${i}: source ${JSON.stringify(here)}`).toBe(true)
        if (here.status === 'moved') expect(copied).toBe(true)
        const state = `${here.status ?? '?'}${copied ? ' + copy' : ''}`
        expect(await strays(t)).toEqual([])
        expect(await strays(target)).toEqual([])
        await expectDoctorClean(t, `move trial ${i} (source)`, true)
        await expectDoctorClean(target, `move trial ${i} (target)`)
        if (here.status !== 'moved') {
          const again = await rerun(argv(i))
          expect(again.code, again.stderr).toBe(0)
        }
        expect((await footprint(t, name('mv', i))).status).toBe('moved')
        expect(isComplete(await footprint(target, name('mv', i)), MOVE_ROWS)).toBe(true)
        await t.tenancy.dropTenant(name('mv', i))
        await target.tenancy.dropTenant(name('mv', i))
        return state
      },
      async (i) => {
        await seedTenant(name('mv', i), MOVE_ROWS)
      },
    )
    await expectDoctorClean(t, 'after the move trials')
  }, 300_000)
})
