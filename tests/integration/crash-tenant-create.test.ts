import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { diagnose, runDoctor } from '../../electron/main/doctor/doctor.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { tenantMigrations } from '../../migrations/tenant/index.ts'
import { BackendWatcher, SCHEMATA_BIN, killDuringWork, measureWorkWindow, runNode, withApplicationName } from '../fixtures/cli-process.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

const TRIALS = 50

let t: TestDatabase
const watchers: BackendWatcher[] = []

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  for (let lane = 0; lane < 2; lane++) watchers.push(await BackendWatcher.open(t.url))
})
afterAll(async () => {
  for (const watcher of watchers) await watcher.close()
  await t?.drop()
})

function createArgs(schema: string): string[] {
  return [SCHEMATA_BIN, 'tenant', 'create', '--name', `Crash ${schema}`, '--schema', schema, '--domain', `${schema.replaceAll('_', '-')}.crash.test`]
}

/** Every trace a tenant leaves; `complete` and `absent` are the only states atomic creation allows. */
async function footprint(schema: string): Promise<{ state: 'complete' | 'absent' | 'partial'; detail: Record<string, unknown> }> {
  const [row] = await t.db.rows<{ registered: string; domains: string; schema_exists: boolean; role_exists: boolean; central: string; own: string | null; tables: string }>(
    `SELECT (SELECT count(*) FROM public.tenants WHERE schema = $1) AS registered,
            (SELECT count(*) FROM public.domains d JOIN public.tenants x ON x.id = d.tenant_id WHERE x.schema = $1) AS domains,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role_exists,
            (SELECT count(*) FROM public.tenant_migrations WHERE schema = $1) AS central,
            (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r') AS tables`,
    [schema, tenantRoleName(t.name, schema)],
  )
  const detail = { ...row }
  const n = (value: string | undefined | null) => Number(value ?? 0)
  if (n(row?.registered) === 0 && n(row?.domains) === 0 && !row?.schema_exists && !row?.role_exists && n(row?.central) === 0) {
    return { state: 'absent', detail }
  }
  const complete =
    n(row?.registered) === 1 &&
    n(row?.domains) === 1 &&
    row?.schema_exists === true &&
    row.role_exists &&
    n(row.central) === tenantMigrations.length &&
    n(row.tables) === 4 // customers, orders, users and the ledger
  return { state: complete ? 'complete' : 'partial', detail }
}

interface TrialResult {
  killed: boolean
  inTransaction: boolean
  finishedFirst: boolean
  absentAfterKill: boolean
  findings: number
  repaired: string[]
}

/**
 * One trial: start `tenant create`, SIGKILL it `delayMs` after its first
 * connection, wait until its backends are gone (so the outcome is final), then
 * check the tenant is whole or absent, ask the doctor, and run the command again.
 */
async function trial(watcher: BackendWatcher, i: number, delayMs: number): Promise<TrialResult> {
  const schema = `crash_${i}`
  const app = `crash_create_${i}`
  const kill = await killDuringWork(watcher, {
    nodeArgs: createArgs(schema),
    env: { DATABASE_URL: withApplicationName(t.url, app) },
    applicationName: app,
    delayMs,
  })
  await watcher.waitUntilGone(app)
  if (kill.exitedFirst) expect(kill.outcome.code, kill.outcome.stderr).toBe(0)

  const after = await footprint(schema)
  expect(after.state, `trial ${i} (killed ${Math.round(kill.atMs)} ms in, at "${kill.lastQuery}"): ${JSON.stringify(after.detail)}`).not.toBe('partial')

  const diagnosis = await diagnose(t.tenancy)
  expect(diagnosis.findings.filter((f) => !f.fixable), `trial ${i}`).toEqual([])
  const repaired: string[] = []
  if (diagnosis.findings.length > 0) {
    const report = await runDoctor(t.tenancy, { fix: true })
    expect(report.healthy, JSON.stringify(report.findings)).toBe(true)
    for (const finding of report.findings.filter((f) => f.fixed)) repaired.push(`${finding.schema} ${finding.check}`)
  }

  // The same command again: it creates the tenant, or says it exists.
  const rerun = await runNode(createArgs(schema), { DATABASE_URL: t.url })
  if (after.state === 'absent') {
    expect(rerun.code, rerun.stderr).toBe(0)
  } else {
    expect(rerun.code, rerun.stderr).toBe(2)
    expect(rerun.stderr.trim()).toBe(`schema: a tenant with schema "${schema}" already exists`)
  }
  expect((await footprint(schema)).state).toBe('complete')
  return {
    killed: kill.killed,
    inTransaction: kill.inTransactionAtKill,
    finishedFirst: kill.exitedFirst,
    absentAfterKill: after.state === 'absent',
    findings: diagnosis.findings.length,
    repaired,
  }
}

describe('SIGKILL during `schemata tenant create`', () => {
  it(`leaves each tenant whole or absent, the doctor healthy, and a rerun completing (${TRIALS} trials)`, async () => {
    // The kill window: from the CLI's first connection to its exit, measured on uninterrupted runs.
    const windows: number[] = []
    for (let i = 0; i < 3; i++) {
      const app = `crash_create_calibrate_${i}`
      const env = { DATABASE_URL: withApplicationName(t.url, app) }
      const run = await measureWorkWindow(watchers[0] as BackendWatcher, { nodeArgs: createArgs(`calibrate_${i}`), env, applicationName: app })
      expect(run.outcome.code, run.outcome.stderr).toBe(0)
      windows.push(run.workMs)
    }
    windows.sort((a, b) => a - b)
    const windowMs = windows[1] as number

    // Two lanes of trials at once (one per core); the doctor reads one consistent snapshot, so the other lane's work in flight cannot confuse it.
    const started = performance.now()
    const results: TrialResult[] = []
    await Promise.all(
      watchers.map(async (watcher, lane) => {
        for (let i = lane; i < TRIALS; i += watchers.length) results.push(await trial(watcher, i, Math.random() * windowMs))
      }),
    )

    const final = await diagnose(t.tenancy)
    expect(final.findings).toEqual([])
    expect(final.tenants).toBe(TRIALS + windows.length)
    const count = (predicate: (r: TrialResult) => boolean) => results.filter(predicate).length
    const stats = {
      trials: results.length,
      killedMidWork: count((r) => r.killed),
      killedInsideTransaction: count((r) => r.inTransaction),
      finishedBeforeKill: count((r) => r.finishedFirst),
      absentAfterKill: count((r) => r.absentAfterKill),
      completeAfterKill: count((r) => !r.absentAfterKill),
      doctorFindingsAfterKill: results.reduce((n, r) => n + r.findings, 0),
      doctorRepairs: results.reduce((n, r) => n + r.repaired.length, 0),
    }
    const repaired = results.flatMap((r) => r.repaired)
    console.log(
      `[crash: tenant create] kill at random 0..${Math.round(windowMs)} ms after the first connection; ${JSON.stringify(stats)}; ` +
        `repaired: ${repaired.length === 0 ? 'nothing' : repaired.join(', ')}; ${Math.round((performance.now() - started) / 1000)} s`,
    )
    expect(stats.trials).toBeGreaterThanOrEqual(50)
    // Most kills must land while the CLI is working, or the trials prove little.
    expect(stats.killedMidWork).toBeGreaterThanOrEqual(TRIALS / 2)
  }, 600_000)
})
