import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { diagnose } from '../../electron/main/doctor/doctor.ts'
import type { MigrationReport } from '../../electron/main/migrations/events.ts'
import { SCHEMA_LOCK_CLASS, schemaLockKey } from '../../electron/main/db/lock-keys.ts'
import { runBounded } from '../../electron/main/migrations/run-bounded.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import type { AdminAnswer, AdminCommand } from '../fixtures/admin-child.ts'
import { AdminProcess } from '../fixtures/cli-process.ts'
import { migrationsWithCrashTrials } from '../fixtures/migrate-child.ts'
import { waitForAdvisoryLock } from '../fixtures/pg-locks.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

let t: TestDatabase
let a: AdminProcess
let b: AdminProcess
/** How many extra tenant migrations the admins' "build" knows; raised to give migrate something to do. */
let level = 0

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  ;[a, b] = await Promise.all([AdminProcess.start(t.url), AdminProcess.start(t.url)])
})
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  await t?.drop()
})

type Outcome = 'ok' | 'already-exists' | 'not-found'

/** What an answer means; anything but a success or the two expected losses fails the test right here. */
function outcomeOf(answer: AdminAnswer, context: string): Outcome {
  if ('cli' in answer) throw new Error(`${context}: expected a core answer`)
  if (answer.ok) {
    for (const failed of answer.report?.tenants.filter((o) => o.status === 'failed') ?? []) {
      throw new Error(`${context}: migrate failed in ${failed.schema}: ${failed.message}`)
    }
    return 'ok'
  }
  const { error } = answer
  if (error.code === 'INVALID_INPUT' && error.field === 'schema' && /^schema: a tenant with schema "[a-z0-9_]+" already exists$/.test(error.message)) {
    return 'already-exists'
  }
  if (error.code === 'TENANT_NOT_FOUND' && /^no tenant with schema "[a-z0-9_]+"$/.test(error.message)) return 'not-found'
  throw new Error(`${context}: unexpected error ${answer.errorClass} ${JSON.stringify(error)}`)
}

/** Both admins at the same moment. */
async function together(commandA: AdminCommand, commandB: AdminCommand): Promise<[Outcome, Outcome]> {
  const [answerA, answerB] = await Promise.all([a.send(commandA), b.send(commandB)])
  return [outcomeOf(answerA, `A ${JSON.stringify(commandA)}`), outcomeOf(answerB, `B ${JSON.stringify(commandB)}`)]
}

/**
 * Both admins provably at once on one schema: the test holds that schema's
 * lock (the one create and drop take first) until PostgreSQL shows both
 * admins' backends queued on it, then lets them race. Without this the two
 * calls might simply run one after the other, and "exactly one wins" would
 * prove nothing about a race.
 */
async function overlapping(schema: string, sendA: () => Promise<AdminAnswer>, sendB: () => Promise<AdminAnswer>): Promise<[AdminAnswer, AdminAnswer]> {
  const key = { key1: SCHEMA_LOCK_CLASS, key2: schemaLockKey(schema) }
  const gate = await t.db.openClient()
  try {
    await gate.query('BEGIN')
    await gate.query('SELECT pg_advisory_xact_lock($1, $2)', [key.key1, key.key2])
    const answers = Promise.all([sendA(), sendB()])
    const waiting = await waitForAdvisoryLock(t.db, key, { granted: false, count: 2 })
    expect(new Set(waiting).size, `both admins queued on ${schema}'s lock`).toBe(2)
    overlapsSeen++
    await gate.query('COMMIT')
    return await answers
  } finally {
    await gate.end()
  }
}

/** How many races were seen overlapping in PostgreSQL; each racing test checks its own count. */
let overlapsSeen = 0

async function racing(schema: string, commandA: AdminCommand, commandB: AdminCommand): Promise<[Outcome, Outcome]> {
  const [answerA, answerB] = await overlapping(schema, () => a.send(commandA), () => b.send(commandB))
  return [outcomeOf(answerA, `A ${JSON.stringify(commandA)}`), outcomeOf(answerB, `B ${JSON.stringify(commandB)}`)]
}

/** The doctor, with the migration list the admins currently know, finds nothing. */
async function expectHealthy(): Promise<void> {
  const tenancy = new Tenancy(t.db, { migrations: { tenant: migrationsWithCrashTrials(level) } })
  const { findings } = await diagnose(tenancy)
  expect(findings).toEqual([])
}

async function registered(): Promise<string[]> {
  return (await t.db.rows<{ schema: string }>('SELECT schema FROM public.tenants ORDER BY schema')).map((row) => row.schema)
}

const ROUNDS = 12

describe('two admin processes at the same time', () => {
  it('same-name creates: exactly one wins, the other is told the tenant already exists', async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const schema = `same_${r}`
      const outcomes = await racing(schema, { op: 'create', schema, migrations: level }, { op: 'create', schema, migrations: level })
      expect(outcomes.sort()).toEqual(['already-exists', 'ok'])
    }
    expect(overlapsSeen).toBe(ROUNDS)
    await expectHealthy()
  })

  it('same-name drops: exactly one wins, the other is told there is no such tenant', async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const schema = `same_${r}`
      const outcomes = await racing(schema, { op: 'drop', schema }, { op: 'drop', schema })
      expect(outcomes.sort()).toEqual(['not-found', 'ok'])
    }
    expect(overlapsSeen).toBe(2 * ROUNDS)
    expect(await registered()).toEqual([])
    await expectHealthy()
  })

  it('different names: creates and drops of both admins all succeed', async () => {
    for (let r = 0; r < ROUNDS; r++) {
      expect(await together({ op: 'create', schema: `a_${r}`, migrations: level }, { op: 'create', schema: `b_${r}`, migrations: level })).toEqual(['ok', 'ok'])
    }
    await expectHealthy()
    for (let r = 0; r < ROUNDS; r++) {
      // Each drops the other's tenant.
      expect(await together({ op: 'drop', schema: `b_${r}` }, { op: 'drop', schema: `a_${r}` })).toEqual(['ok', 'ok'])
    }
    expect(await registered()).toEqual([])
    await expectHealthy()
  })

  it('a create racing a drop of the same name ends with the tenant whole or gone', async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const schema = `flip_${r}`
      await t.tenancy.createTenant({ name: schema, schema })
      const [dropped, created] = await racing(schema, { op: 'drop', schema }, { op: 'create', schema, migrations: level })
      expect(dropped).toBe('ok')
      expect(['ok', 'already-exists']).toContain(created)
    }
    await expectHealthy()
  })

  it('migrate racing creates and drops: no schema fails, and every tenant ends up migrated', async () => {
    const fleet = Array.from({ length: 24 }, (_, i) => `fleet_${i}`)
    await runBounded(fleet, 4, (schema) => new Tenancy(t.db, { migrations: { tenant: migrationsWithCrashTrials(level) } }).createTenant({ name: schema, schema }))
    for (let r = 0; r < 6; r++) {
      level++
      // A migrates the fleet to the new level while B drops four of it and creates four new tenants.
      const migrating = a.send({ op: 'migrate', migrations: level })
      const churn: Outcome[] = []
      for (let i = 0; i < 4; i++) {
        const victim = fleet[(r * 4 + i) % fleet.length] as string
        churn.push(outcomeOf(await b.send({ op: 'drop', schema: victim }), `drop ${victim}`))
        churn.push(outcomeOf(await b.send({ op: 'create', schema: `new_${r}_${i}`, migrations: level }), `create new_${r}_${i}`))
      }
      const answer = await migrating
      expect(outcomeOf(answer, 'migrate')).toBe('ok')
      const report = (answer as { report: MigrationReport }).report
      expect(report.counts.failed).toBe(0)
      expect(churn.every((o) => o === 'ok')).toBe(true)
      // Put the dropped ones back for the next round, already at this level.
      for (let i = 0; i < 4; i++) {
        const victim = fleet[(r * 4 + i) % fleet.length] as string
        outcomeOf(await b.send({ op: 'create', schema: victim, migrations: level }), `recreate ${victim}`)
      }
      await expectHealthy()
    }
  })

  it('through the CLI: the loser of a create race and of a drop race exits 2 (invalid input: the tenant exists / does not), each with one clear line', async () => {
    for (let r = 0; r < 4; r++) {
      const schema = `cli_${r}`
      const create = ['tenant', 'create', '--name', `CLI ${r}`, '--schema', schema]
      const answers = await overlapping(schema, () => a.send({ op: 'cli', argv: create }), () => b.send({ op: 'cli', argv: create }))
      const created = answers.map((x) => ('cli' in x ? x.cli : undefined)).sort((x, y) => (x?.code ?? 0) - (y?.code ?? 0))
      expect(created.map((x) => x?.code)).toEqual([0, 2])
      expect(created[1]?.stderr).toBe(`schema: a tenant with schema "${schema}" already exists\n`)

      const drop = ['tenant', 'drop', '--schema', schema, '--yes']
      const dropAnswers = await overlapping(schema, () => a.send({ op: 'cli', argv: drop }), () => b.send({ op: 'cli', argv: drop }))
      const dropped = dropAnswers.map((x) => ('cli' in x ? x.cli : undefined)).sort((x, y) => (x?.code ?? 0) - (y?.code ?? 0))
      expect(dropped.map((x) => x?.code)).toEqual([0, 2])
      expect(dropped[1]?.stderr).toBe(`schema: no tenant with schema "${schema}"\n`)
    }
    await expectHealthy()
  })

  it('a free-for-all of creates, drops and migrations over a few names ends consistent', async () => {
    const names = ['ffa_0', 'ffa_1', 'ffa_2', 'ffa_3']
    const tally = new Map<string, number>()
    const admin = async (process: AdminProcess, seed: number) => {
      let state = seed
      const random = () => {
        state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
        return state / 2 ** 32
      }
      for (let i = 0; i < 30; i++) {
        const schema = names[Math.floor(random() * names.length)] as string
        const pick = random()
        let command: AdminCommand
        if (pick < 0.45) command = { op: 'create', schema, migrations: level }
        else if (pick < 0.9) command = { op: 'drop', schema }
        else command = { op: 'migrate', migrations: ++level }
        const outcome = outcomeOf(await process.send(command), JSON.stringify(command))
        const key = `${command.op} ${outcome}`
        tally.set(key, (tally.get(key) ?? 0) + 1)
      }
    }
    await Promise.all([admin(a, 1), admin(b, 2)])
    // A tenant created just before a migration run of a newer build is behind it, as after any upgrade: migrate, then check.
    const final = await new Tenancy(t.db, { migrations: { tenant: migrationsWithCrashTrials(level) } }).migrate({ tenant: true })
    expect(final.counts.failed).toBe(0)
    await expectHealthy()
    console.log(`[concurrent admins] free-for-all outcomes: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`)
  })
})
