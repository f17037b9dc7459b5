import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { Database } from '../../electron/main/db/database.ts'
import { type EmbeddedConnection, startEmbedded, stopEmbedded } from '../../electron/main/db/embedded-server.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { diagnose, runDoctor } from '../../electron/main/doctor/doctor.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { tenantMigrations } from '../fixtures/demo-project.ts'
import { BackendWatcher, SCHEMATA_BIN, killDuringWork, measureWorkWindow, runNode, tsxScript, withApplicationName } from '../fixtures/cli-process.ts'
import { GATES, type Gate, type GatePath, gateKey, gatedTenantMigrations } from '../fixtures/create-child.ts'
import { killPostgres } from '../fixtures/kill-postgres.ts'
import { advisoryLockHolders } from '../fixtures/pg-locks.ts'
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
async function footprintIn(
  db: Database,
  database: string,
  schema: string,
  migrations: number,
): Promise<{ state: 'complete' | 'absent' | 'partial'; detail: Record<string, unknown> }> {
  const [row] = await db.rows<{ registered: string; domains: string; schema_exists: boolean; role_exists: boolean; central: string; own: string | null; tables: string }>(
    `SELECT (SELECT count(*) FROM public.tenants WHERE schema = $1) AS registered,
            (SELECT count(*) FROM public.domains d JOIN public.tenants x ON x.id = d.tenant_id WHERE x.schema = $1) AS domains,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role_exists,
            (SELECT count(*) FROM public.tenant_migrations WHERE schema = $1) AS central,
            (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r') AS tables`,
    [schema, tenantRoleName(database, schema)],
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
    n(row.central) === migrations &&
    n(row.tables) === 4 // customers, orders, users and the ledger
  return { state: complete ? 'complete' : 'partial', detail }
}

function footprint(schema: string): ReturnType<typeof footprintIn> {
  return footprintIn(t.db, t.name, schema, tenantMigrations.length)
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

/*
 * A random kill of a one-round-trip create lands before the transaction
 * reaches the server or after it has committed, almost never inside. These
 * trials put the kill inside on purpose: the creation runs with gates (see
 * create-child.ts), the test holds one gate's lock, waits until PostgreSQL
 * shows the creating backend queued on it — schema, role, registry rows and
 * the migrations before the gate written, nothing committed — and kills the
 * client, or the whole server, right there. They run on a private embedded
 * server, since killing it must not take the other suites' server down.
 */
describe('SIGKILL inside the create transaction, at a known point', () => {
  const root = path.resolve('.test-data', `crash-create-${process.pid}-${randomBytes(3).toString('hex')}`)
  let server: EmbeddedConnection
  let db: Database
  let tenancy: Tenancy
  let watcher: BackendWatcher

  /** (Re)connects to the private server, after it started or after it was killed and restarted. */
  async function connect(): Promise<void> {
    server = await startEmbedded({ dataDir: root, database: 'crash_gates' })
    db = new Database({ url: server.url, mode: 'external' })
    tenancy = new Tenancy(db, { migrations: { tenant: gatedTenantMigrations('exec') } })
    watcher = await BackendWatcher.open(server.url)
  }

  /** Drops the connections to a server that is gone; their errors are the expected ones. */
  async function disconnect(): Promise<void> {
    await watcher.close().catch(() => undefined)
    await tenancy.close().catch(() => undefined)
  }

  beforeAll(async () => {
    await connect()
    await tenancy.migrate({ shared: true })
  }, 120_000)
  afterAll(async () => {
    await disconnect()
    await stopEmbedded(root)
    await rm(root, { recursive: true, force: true })
  })

  type Kill = 'client' | 'server'
  interface GateTrial {
    gate: Gate
    path: GatePath
    kill: Kill
    /** The creating backend was queued on the gate, in a transaction that had written (an xid) and committed nothing. */
    inside: boolean
    state: 'complete' | 'absent'
  }

  async function gateTrial(i: number, gate: Gate, gatePath: GatePath, kill: Kill): Promise<GateTrial> {
    const schema = `gated_${i}`
    const app = `crash_gate_${i}`
    const key = gateKey(gate)
    const holder = new pg.Client({ connectionString: server.url })
    // After a server kill this connection is dead; its error event must not crash the run.
    holder.on('error', () => undefined)
    await holder.connect()
    const holderRows = { rows: async <T extends object>(sql: string, bind?: readonly unknown[]) => (await holder.query(sql, bind as unknown[])).rows as T[] }
    await holder.query('BEGIN')
    await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [key.key1, key.key2])
    let inside = false
    const result = await killDuringWork(watcher, {
      nodeArgs: tsxScript('create-child.ts', [schema, gatePath]),
      env: { DATABASE_URL: withApplicationName(server.url, app) },
      applicationName: app,
      killWhen: async () => {
        const waiting = (await advisoryLockHolders(holderRows, key)).filter((row) => !row.granted)
        if (waiting.length === 0) return false
        const [state] = await holderRows.rows<{ xid: string | null; in_transaction: boolean; registered: string }>(
          `SELECT a.backend_xid::text AS xid, a.xact_start IS NOT NULL AS in_transaction,
                  (SELECT count(*) FROM public.tenants WHERE schema = $2) AS registered
             FROM pg_stat_activity a WHERE a.pid = $1`,
          [waiting[0]?.pid, schema],
        )
        inside = state?.in_transaction === true && state.xid !== null && Number(state.registered) === 0
        if (kill === 'server') await killPostgres(path.join(root, 'pg'))
        return true
      },
    })
    if (kill === 'server') {
      // The server went first: the creation either died of the lost connection or was killed just after.
      if (!result.killed) expect(result.outcome.stderr, `trial ${i}`).toMatch(/Connection terminated|ECONNRESET|terminating connection/)
      await holder.end().catch(() => undefined)
      await disconnect()
      await connect()
    } else {
      expect(result.killed, `trial ${i}: the creation was killed, not finished (${result.outcome.stderr})`).toBe(true)
      // Let the backend go on: it finds its client gone, or finishes what it already had.
      await holder.query('COMMIT')
      await holder.end()
      await watcher.waitUntilGone(app)
    }

    const after = await footprintIn(db, 'crash_gates', schema, gatedTenantMigrations('exec').length)
    expect(after.state, `trial ${i} (${kill} killed at the ${gate} gate, ${gatePath} path): ${JSON.stringify(after.detail)}`).not.toBe('partial')
    const diagnosis = await diagnose(tenancy)
    expect(diagnosis.findings, `trial ${i}`).toEqual([])
    // The same creation again (in this process: the core is the same, and a spawn costs seconds on a busy machine).
    const rerun = await new Tenancy(db, { migrations: { tenant: gatedTenantMigrations(gatePath) } })
      .createTenant({ name: `Gated ${schema}`, schema, domains: [`${schema.replaceAll('_', '-')}.gated.test`] })
      .then(
        () => 'created',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      )
    expect(rerun).toBe(after.state === 'absent' ? 'created' : `schema: a tenant with schema "${schema}" already exists`)
    expect((await footprintIn(db, 'crash_gates', schema, gatedTenantMigrations('exec').length)).state).toBe('complete')
    return { gate, path: gatePath, kill, inside, state: after.state as 'complete' | 'absent' }
  }

  it('killing the client or the server there leaves the tenant whole or absent, as its COMMIT had or had not been sent', async () => {
    const plan: [GatePath, Kill][] = [
      ['query', 'client'],
      ['exec', 'client'],
      ['exec', 'server'],
      ['query', 'server'],
    ]
    const trials: GateTrial[] = []
    for (const gate of GATES) for (const [gatePath, kill] of plan) trials.push(await gateTrial(trials.length, gate, gatePath, kill))

    const summary = trials.map((r) => `${r.gate}/${r.path}/${r.kill}: ${r.inside ? 'inside' : 'NOT inside'} → ${r.state}`)
    console.log(`[crash: tenant create, gated] ${summary.join('; ')}`)
    // Every kill landed inside the transaction, and the server was killed there in half of them.
    expect(trials.filter((r) => r.inside)).toHaveLength(GATES.length * plan.length)
    expect(trials.filter((r) => r.kill === 'server')).toHaveLength(GATES.length * 2)
    for (const r of trials) {
      // Nothing was committed when the server died; a client killed before sending COMMIT leaves nothing either.
      if (r.kill === 'server' || r.path === 'query') expect(r.state, `${r.gate}/${r.path}/${r.kill}`).toBe('absent')
    }
  }, 300_000)
})
