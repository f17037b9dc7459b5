import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { schemata } from '../fixtures/cli-process.ts'



describe('CLI against an external database (DATABASE_URL)', () => {
  let t: TestDatabase
  let env: Record<string, string>

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'), { migrateShared: false })
    env = { DATABASE_URL: t.url }
  })
  afterAll(() => t?.drop())

  it('demo then tenant list --json shows the three demo tenants with nothing pending; demo twice is harmless', async () => {
    const first = await schemata(['demo'], env)
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('admin@acme.example / acme-demo')
    const second = await schemata(['demo'], env)
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('acme already exists')
    const list = await schemata(['tenant', 'list', '--json'], env)
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout)).toEqual([
      { name: 'Acme Corporation', schema: 'acme', type: 'standard', domains: ['acme.localhost'], status: 'active', pending: 0 },
      { name: 'Globex Corporation', schema: 'globex', type: 'standard', domains: ['globex.localhost'], status: 'active', pending: 0 },
      { name: 'Initech', schema: 'initech', type: 'standard', domains: ['initech.localhost'], status: 'active', pending: 0 },
    ])
    // Still one user per tenant after the second run.
    const [users] = await t.db.rows<{ n: string }>('SELECT count(*) AS n FROM acme.users')
    expect(Number(users?.n)).toBe(1)
  })

  it('creates and drops a tenant, with domains', async () => {
    const created = await schemata(['tenant', 'create', '--name', 'Umbrella', '--schema', 'umbrella', '--domain', 'umbrella.example', '--domain', 'u.example'], env)
    expect(created).toMatchObject({ code: 0 })
    const list = JSON.parse((await schemata(['tenant', 'list', '--json'], env)).stdout) as { schema: string; domains: string[] }[]
    expect(list.find((x) => x.schema === 'umbrella')?.domains).toEqual(['umbrella.example', 'u.example'])
    expect((await schemata(['tenant', 'drop', '--schema', 'umbrella'], env)).code).toBe(2)
    expect((await schemata(['tenant', 'drop', '--schema', 'umbrella', '--yes'], env)).code).toBe(0)
    // A tenant that is not there is invalid input, like a duplicate create (README, exit codes).
    expect((await schemata(['tenant', 'drop', '--schema', 'umbrella', '--yes'], env)).code).toBe(2)
  })

  it('exits 2 with one line naming the field and the rule, and changes nothing', async () => {
    const before = (await schemata(['tenant', 'list', '--json'], env)).stdout
    const cases: [string[], RegExp][] = [
      [['tenant', 'create', '--name', 'X', '--schema', 'Bad"Name'], /^schema: must match/],
      [['tenant', 'create', '--name', 'X', '--schema', 'select'], /^schema: must not be the SQL reserved word/],
      [['tenant', 'create', '--name', 'X', '--schema', 'acme'], /^schema: a tenant with schema "acme" already exists/],
      [['tenant', 'create', '--name', 'X', '--schema', 'newco', '--domain', 'acme.localhost'], /^domains: "acme.localhost" already belongs/],
      [['tenant', 'create', '--schema', 'newco'], /^name: --name is required/],
      [['tenant', 'create', '--name', 'X', '--schema', 'newco', '--bogus'], /bogus/],
      [['migrate', '--concurrency', 'lots'], /^concurrency: --concurrency must be a whole number/],
      [['nonsense'], /^command: "nonsense" is not a schemata command/],
    ]
    for (const [args, pattern] of cases) {
      const outcome = await schemata(args, env)
      expect(outcome.code, args.join(' ')).toBe(2)
      const lines = outcome.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(pattern)
    }
    expect((await schemata(['tenant', 'list', '--json'], env)).stdout).toBe(before)
  })

  it('migrate --shared, --tenant and --schema report what they did', async () => {
    const shared = await schemata(['migrate', '--shared'], env)
    expect(shared.code).toBe(0)
    expect(shared.stdout).toContain('public: 0 applied')
    const tenant = await schemata(['migrate', '--tenant', '--json'], env)
    expect(tenant.code).toBe(0)
    expect(JSON.parse(tenant.stdout)).toMatchObject({ counts: { total: 3, upToDate: 3, failed: 0 } })
    const one = await schemata(['migrate', '--schema', 'ghost'], env)
    expect(one.code).toBe(2)
    expect(one.stderr).toMatch(/no tenant with schema "ghost"/)
  })

  it('db status --json describes the external server', async () => {
    const status = await schemata(['db', 'status', '--json'], env)
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ mode: 'external', running: true, host: '127.0.0.1', database: t.name, user: 'postgres' })
  })
})

describe('CLI with the embedded database', () => {
  const dataDir = resolve('.test-data', `cli-embedded-${process.pid}`)
  const env = { SCHEMATA_DATA_DIR: dataDir }

  afterAll(async () => {
    await schemata(['db', 'stop'], env)
    await rm(dataDir, { recursive: true, force: true })
  })

  it('starts on demand, stops after the command, and db start/status/stop manage it', async () => {
    const created = await schemata(['tenant', 'create', '--name', 'Solo', '--schema', 'solo'], env)
    expect(created.code).toBe(0)
    // The command started the server for itself and stopped it again.
    expect(JSON.parse((await schemata(['db', 'status', '--json'], env)).stdout)).toMatchObject({ mode: 'embedded', running: false })

    expect((await schemata(['db', 'start'], env)).code).toBe(0)
    const status = JSON.parse((await schemata(['db', 'status', '--json'], env)).stdout) as Record<string, unknown>
    expect(status).toMatchObject({ mode: 'embedded', running: true, host: '127.0.0.1', database: 'schemata', user: 'schemata_admin', dataDir })
    expect(String(status.serverVersion)).toMatch(/^18/)
    expect(status.port).toBeTypeOf('number')

    // A running server is joined and left running.
    const list = JSON.parse((await schemata(['tenant', 'list', '--json'], env)).stdout) as { schema: string }[]
    expect(list.map((x) => x.schema)).toEqual(['solo'])
    expect(JSON.parse((await schemata(['db', 'status', '--json'], env)).stdout)).toMatchObject({ running: true })

    expect((await schemata(['db', 'stop'], env)).stdout).toContain('stopped')
    expect(JSON.parse((await schemata(['db', 'status', '--json'], env)).stdout)).toMatchObject({ running: false })
  })
})
