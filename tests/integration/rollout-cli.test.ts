import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import type { RolloutPlan, RunDetail, RunSummary } from '../../contract/rollout-types.ts'
import { type CliOutcome, runSchemata } from '../fixtures/cli-process.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'


const CONFIG = { name: 'Rollout', sharedMigrations: 'migrations/shared', tenantTypes: { standard: { migrations: 'migrations/tenant' } } }
const FIRST = '-- migrate:up\nCREATE TABLE notes (id serial PRIMARY KEY, body text);\n-- migrate:down\nDROP TABLE notes;\n'
/** Fails (22012) in a tenant holding a table block_pin (the test makes one, then drops it: an applied file never changes). */
const SECOND =
  "-- migrate:up\nALTER TABLE notes ADD COLUMN pinned boolean;\nDO $$ BEGIN IF to_regclass('block_pin') IS NOT NULL THEN PERFORM 1 / 0; END IF; END $$;\n-- migrate:down\nALTER TABLE notes DROP COLUMN pinned;\n"

describe('schemata migrate: plans, staged runs, resume, bad input (the real binary)', () => {
  let t: TestDatabase
  let dir: string
  const tenants = ['alpha', 'bravo', 'charlie', 'delta', 'echo']

  function schemata(args: string[]): Promise<CliOutcome> {
    return runSchemata(args, { cwd: dir, env: { DATABASE_URL: t.url } })
  }

  async function pinned(): Promise<string[]> {
    const rows = await t.db.rows<{ table_schema: string }>(
      "SELECT table_schema FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'pinned' ORDER BY 1",
    )
    return rows.map((r) => r.table_schema)
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'schemata-rollout-'))
    mkdirSync(path.join(dir, 'migrations/shared'), { recursive: true })
    mkdirSync(path.join(dir, 'migrations/tenant'), { recursive: true })
    writeFileSync(path.join(dir, 'schemata.config.json'), JSON.stringify(CONFIG))
    writeFileSync(path.join(dir, 'migrations/tenant/0001_create_notes.sql'), FIRST)
    t = await createTestDatabase(inject('embeddedAdminUrl'), { migrateShared: false })
    expect((await schemata(['migrate'])).code).toBe(0)
    for (const schema of tenants) expect((await schemata(['tenant', 'create', '--name', schema, '--schema', schema])).code).toBe(0)
    writeFileSync(path.join(dir, 'migrations/tenant/0002_pin_notes.sql'), SECOND)
    await t.db.exec('CREATE TABLE charlie.block_pin (id int)')
  })
  afterAll(async () => {
    await t?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('--help lists every rollout flag', async () => {
    const help = await schemata(['migrate', '--help'])
    expect(help.code).toBe(0)
    for (const flag of ['--plan', '--order', '--canary', '--wave', '--max-failures', '--pause-between', '--lock-timeout', '--atomic', '--atomic-limit', '--resume', '--runs', '--run', '--halt', '--json']) {
      expect(help.stdout).toContain(flag)
    }
  })

  it('--plan --json: exact, and nothing changes', async () => {
    const planned = await schemata(['migrate', '--plan', '--canary', 'delta,bravo', '--wave', '2', '--json'])
    expect(planned.code).toBe(0)
    const plan = JSON.parse(planned.stdout) as RolloutPlan
    expect(plan.stages.map((s) => `${s.kind}${s.number}:${s.tenants.map((x) => `${x.schema}=${x.pending.join('+')}`).join(',')}`)).toEqual([
      'canary1:delta=0002_pin_notes,bravo=0002_pin_notes',
      'wave1:alpha=0002_pin_notes,charlie=0002_pin_notes',
      'wave2:echo=0002_pin_notes',
    ])
    expect(plan.counts).toEqual({ tenants: 5, toMigrate: 5, migrations: 5 })
    const text = await schemata(['migrate', '--plan', '--canary', '2'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^canary 1: 2 tenant\(s\), no estimate$/m)
    expect(text.stdout).toMatch(/planned in \d+ ms; nothing was changed/)
    expect(await pinned()).toEqual([])
    expect(JSON.parse((await schemata(['migrate', '--runs', '--json'])).stdout)).toEqual([])
  })

  it('bad input: exit 2, one line naming the problem, nothing runs', async () => {
    const orderFile = path.join(dir, 'order.txt')
    writeFileSync(orderFile, 'echo\nghost\nalpha\nzulu\n')
    const cases: [string[], RegExp][] = [
      [['migrate', '--resume', '42'], /^resume: there is no run 42 \(see schemata migrate --runs\)$/],
      [['migrate', '--resume', 'x1'], /^resume: "x1" is not a run id/],
      [['migrate', '--order', `file:${orderFile}`], /^order: .*order\.txt names 2 tenants that do not exist: ghost, zulu$/],
      [['migrate', '--canary', 'alpha,ghost'], /^canary: "ghost" is not a tenant$/],
      [['migrate', '--atomic', '--atomic-limit', '3'], /^atomic: --atomic holds every tenant's locks in one transaction until it commits; 5 tenants to migrate is above the limit of 3/],
      [['migrate', '--max-failures', '0'], /^max-failures: --max-failures must be a whole number from 1 to 1000000$/],
      [['migrate', '--order', 'biggest'], /^order: "biggest" is not an order: use name, created, size or file:PATH$/],
      [['migrate', '--pause-between', 'soon'], /^pause-between: --pause-between must be a duration/],
      [['migrate', '--atomic', '--canary', '2'], /^atomic: runs every tenant in one transaction, so it takes no --canary$/],
      [['migrate', '--resume', '1', '--canary', 'alpha'], /^resume: --resume takes no --canary$/],
      [['migrate', '--halt', '7'], /^run: there is no run 7/],
    ]
    for (const [args, message] of cases) {
      const outcome = await schemata(args)
      expect({ args, code: outcome.code }).toEqual({ args, code: 2 })
      expect(outcome.stderr.trim().split('\n').at(-1)).toMatch(message)
    }
    expect(await pinned()).toEqual([])
    expect(JSON.parse((await schemata(['migrate', '--runs', '--json'])).stdout)).toEqual([])
  }, 300_000)

  it('a staged run halts in the wave that fails; --runs lists it; --resume finishes it once the cause is gone', async () => {
    const halted = await schemata(['migrate', '--canary', 'delta', '--wave', '2', '--concurrency', '1'])
    expect(halted.code).toBe(1)
    expect(halted.stdout).toMatch(/^run 1 halted: 1 tenant failed \(--max-failures 1\): charlie$/m)
    expect(halted.stdout).toMatch(/charlie: failed in 0002_pin_notes \[22012\]: division by zero/)
    expect(halted.stdout).toContain('resume with: schemata migrate --resume 1')
    expect(halted.stderr).toMatch(/^canary 1: 1 tenant\(s\)$/m)
    // delta (canary), alpha and bravo (wave 1) migrated; charlie (wave 2) failed whole; echo never started.
    expect(await pinned()).toEqual(['alpha', 'bravo', 'delta'])

    const runs = JSON.parse((await schemata(['migrate', '--runs', '--json'])).stdout) as RunSummary[]
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ id: 1, status: 'halted', counts: { planned: 5, migrated: 3, failed: 1, lockTimeout: 0, pending: 1 } })
    expect(runs[0]?.startedBy).toMatchObject({ login: t.login, via: 'cli' })
    expect(runs[0]?.options).toMatchObject({ order: 'name', canary: { schemas: ['delta'] }, wave: 2, maxFailures: 1, lockTimeoutMs: 5000 })
    const listed = await schemata(['migrate', '--runs'])
    expect(listed.stdout).toMatch(/^RUN\s+STATUS/)
    expect(listed.stdout).toMatch(/^\s*1\s+halted\s/m)

    await t.db.exec('DROP TABLE charlie.block_pin')
    const resumed = await schemata(['migrate', '--resume', '1', '--json'])
    expect(resumed.code).toBe(0)
    const detail = JSON.parse(resumed.stdout) as RunDetail
    expect(detail).toMatchObject({ id: 2, status: 'completed', resumedFrom: 1 })
    expect(detail.tenants.map((x) => `${x.schema}:${x.status}`)).toEqual(['charlie:migrated', 'echo:migrated'])
    expect(await pinned()).toEqual(tenants)
    const first = JSON.parse((await schemata(['migrate', '--run', '1', '--json'])).stdout) as RunDetail
    expect(first.resumedBy).toEqual([2])
    expect((await schemata(['migrate', '--resume', '1'])).code).toBe(2)
  }, 180_000)
})
