import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { runCli } from '../../electron/main/cli/main.ts'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'
import { hostileString } from '../fixtures/hostile-strings.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

let t: TestDatabase
let tried = 0

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
})
afterAll(async () => {
  await t?.drop()
  // The issue note reports how many inputs the fuzz suites tried.
  console.info(`fuzz-core: ${tried} hostile inputs tried`)
})

async function footprint() {
  const [row] = await t.db.rows<{ schemas: string; roles: string; tenants: string }>(
    `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema') AS schemas,
            (SELECT count(*) FROM pg_roles WHERE starts_with(rolname, $1)) AS roles,
            (SELECT count(*) FROM public.tenants) AS tenants`,
    [tenantRoleName(t.db.databaseName, '')],
  )
  return row
}

/** Names that are often valid but still carry quotes, SQL and non-ASCII text, so the accept branch runs too. */
function plausibleName(): fc.Arbitrary<string> {
  return fc.array(fc.oneof(fc.constantFrom("'", '"', ';', '--', '$$', '🐘', 'İ', ' '), fc.string({ minLength: 1, maxLength: 6 })), { minLength: 1, maxLength: 5 }).map((parts) => `T${parts.join('')}`)
}

/** Schema names that pass the allow-list unless they hit a reserved word. */
function plausibleSchema(): fc.Arbitrary<string> {
  return fc.stringMatching(/^[a-z][a-z0-9_]{2,20}$/)
}

describe('hostile input to the tenancy core', () => {
  it('createTenant either refuses with an error naming the field or stores the input byte for byte', async () => {
    const baseline = await footprint()
    const seen = { accepted: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileString(), plausibleName()),
        fc.oneof(hostileString(), plausibleSchema()),
        fc.oneof(fc.array(hostileString(), { maxLength: 3 }), fc.constant([])),
        async (name, schema, domains) => {
          tried++
          // The outcome is taken first, so an assertion failing on one branch is never mistaken for the other.
          const outcome = await t.tenancy.createTenant({ name, schema, domains }).then(
            (tenant) => ({ tenant }),
            (error: unknown) => ({ error }),
          )
          if ('error' in outcome) {
            seen.refused++
            expect(outcome.error).toBeInstanceOf(InvalidInputError)
            expect(['name', 'schema', 'domains']).toContain((outcome.error as InvalidInputError).field)
          } else {
            seen.accepted++
            const stored = await t.tenancy.getTenant(schema)
            expect(stored.name).toBe(name)
            expect(stored.schema).toBe(schema)
            expect(stored.domains).toEqual(outcome.tenant.domains)
            await t.tenancy.dropTenant(schema)
          }
          expect(await footprint()).toEqual(baseline)
        },
      ),
      { numRuns: 300 },
    )
    // Both branches must have run, or the property proved only half of what it says.
    expect(seen.accepted).toBeGreaterThan(0)
    expect(seen.refused).toBeGreaterThan(0)
  })

  it('withTenant and dropTenant refuse every hostile schema name without SQL errors', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString(), async (schema) => {
        tried++
        for (const attempt of [() => t.tenancy.withTenant(schema, () => Promise.resolve()), () => t.tenancy.dropTenant(schema)]) {
          const error = await attempt().then(
            () => undefined,
            (e: unknown) => e,
          )
          // Valid names of tenants that do not exist are "not found"; everything else is invalid input.
          expect(error).toMatchObject({ code: expect.stringMatching(/^(INVALID_INPUT|TENANT_NOT_FOUND)$/) as unknown })
        }
      }),
      { numRuns: 300 },
    )
  })

  it('the CLI answers hostile arguments with exit 0 or 2 and one line naming the field — never a crash', async () => {
    const env = { ...process.env, DATABASE_URL: t.url, SCHEMATA_DATA_DIR: '' }
    const baseline = await footprint()
    const seen = { accepted: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString(), plausibleName()), fc.oneof(hostileString(), plausibleSchema()), async (name, schema) => {
        tried++
        const out: string[] = []
        const err: string[] = []
        const code = await runCli(['tenant', 'create', '--name', name, '--schema', schema], { out: (l) => out.push(l), err: (l) => err.push(l) }, env)
        if (code === 0) {
          seen.accepted++
          expect(await runCli(['tenant', 'drop', '--schema', schema, '--yes'], { out: () => undefined, err: () => undefined }, env)).toBe(0)
        } else {
          seen.refused++
          expect(code).toBe(2)
          expect(err.filter((l) => !/^(starting|initialising)/.test(l))).toHaveLength(1)
          expect(err.at(-1)).toMatch(/^(name|schema|domains): /)
        }
        expect(await footprint()).toEqual(baseline)
      }),
      { numRuns: 60 },
    )
    expect(seen.accepted).toBeGreaterThan(0)
    expect(seen.refused).toBeGreaterThan(0)
  })

  it('any argument list to any command ends in exit 0, 1 or 2 with a message — never a crash, never a change', async () => {
    const env = { ...process.env, DATABASE_URL: t.url, SCHEMATA_DATA_DIR: '' }
    const baseline = await footprint()
    const before = new Set((await t.db.rows<{ schema: string }>('SELECT schema FROM public.tenants')).map((r) => r.schema))
    // serve would keep running and demo is meant to change things; every other command is fair game.
    const commands = [['tenant', 'create'], ['tenant', 'drop'], ['tenant', 'list'], ['tenant', 'suspend'], ['tenant', 'resume'], ['migrate'], ['db', 'status'], ['doctor'], ['db'], ['tenant'], []]
    const flags = fc.constantFrom('--name', '--schema', '--domain', '--yes', '--json', '--shared', '--tenant', '--concurrency', '--no-wait', '--fix', '--port', '-h', '--')
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commands), fc.array(fc.oneof(flags, hostileString()), { maxLength: 6 }), async (command, args) => {
        tried++
        // --fix would really repair; with a healthy database it changes nothing, but keep the property about input.
        const argv = [...command, ...args.filter((a) => a !== '--fix')]
        const err: string[] = []
        const code = await runCli(argv, { out: () => undefined, err: (l) => err.push(l) }, env)
        expect([0, 1, 2]).toContain(code)
        if (code !== 0) expect(err.length).toBeGreaterThan(0)
        if (code === 0 && argv[0] === 'tenant' && argv[1] === 'create') {
          // A valid create slipped through: undo it so the footprint check stays meaningful. Exit 0 is also
          // `tenant create -h`, which created nothing, so the registry says what to undo, not the argv.
          const created = await t.db.rows<{ schema: string }>('SELECT schema FROM public.tenants WHERE schema <> ALL($1::text[])', [[...before]])
          for (const { schema } of created) await t.tenancy.dropTenant(schema)
        }
        expect(await footprint()).toEqual(baseline)
      }),
      { numRuns: 80 },
    )
  })
})
