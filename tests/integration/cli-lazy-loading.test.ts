import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { COMMANDS } from '../../electron/main/cli/command-table.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { type CliOutcome, runSchemata } from '../fixtures/cli-process.ts'

/*
 * Issue 11: what a command loads is most of its start-up. `--help` (and a
 * typo) answers from the command table alone, and `tenant list` reads the
 * registry over one plain pg client, so neither loads Sequelize (nor umzug;
 * `--help` not even pg). The real binary is run with a preload that records
 * the packages it required; times are the bench's business, not this test's.
 */

const RECORDER = path.resolve('tests/fixtures/record-loaded-packages.cjs')
const HEAVY = ['sequelize', 'umzug']

let scratch: string
let runs = 0

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'schemata-cli-loads-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

/** Runs `schemata args` and returns its outcome with the node_modules packages it loaded. */
async function loading(args: readonly string[], env: Record<string, string> = {}): Promise<CliOutcome & { loaded: string[] }> {
  const out = path.join(scratch, `loaded-${++runs}.json`)
  const outcome = await runSchemata(args, { env: { ...env, NODE_OPTIONS: `--require ${RECORDER}`, SCHEMATA_TEST_LOADED_PACKAGES: out } })
  const loaded = JSON.parse(await readFile(out, 'utf8')) as string[]
  return { ...outcome, loaded }
}

describe('what a CLI command loads', () => {
  it('--help, every <command> --help and a typo load neither Sequelize, umzug nor pg', async () => {
    const cases: { args: string[]; code: number }[] = [
      { args: ['--help'], code: 0 },
      ...Object.keys(COMMANDS).map((name) => ({ args: [name, '--help'], code: 0 })),
      { args: ['tenant', 'list', '--help'], code: 0 },
      { args: ['tenat', 'list'], code: 2 },
    ]
    for (const { args, code } of cases) {
      const outcome = await loading(args)
      expect(outcome.code, `${args.join(' ')}: ${outcome.stderr}`).toBe(code)
      for (const heavy of [...HEAVY, 'pg']) expect(outcome.loaded, args.join(' ')).not.toContain(heavy)
    }
  })

  describe('tenant list against a database with the registry', () => {
    let t: TestDatabase
    beforeAll(async () => {
      t = await createTestDatabase(inject('embeddedAdminUrl'))
      await t.tenancy.createTenant({ name: 'Acme Corporation', schema: 'acme' })
    })
    afterAll(async () => {
      await t?.drop()
    })

    it('reads it over pg alone, with the output the core gives', async () => {
      const outcome = await loading(['tenant', 'list', '--json'], { DATABASE_URL: t.url })
      expect(outcome.code, outcome.stderr).toBe(0)
      expect(JSON.parse(outcome.stdout)).toEqual([
        { name: 'Acme Corporation', schema: 'acme', type: 'standard', domains: ['acme.localhost'], status: 'active', pending: 0 },
      ])
      expect(outcome.loaded).toContain('pg')
      for (const heavy of HEAVY) expect(outcome.loaded).not.toContain(heavy)
    })
  })
})
