import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import type { ActivitySample } from '../../contract/activity-types.ts'
import { installStatementStats } from '../../electron/main/db/statement-stats-setup.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { schemata } from '../fixtures/cli-process.ts'



describe('schemata top', () => {
  let t: TestDatabase
  let env: Record<string, string>

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'))
    await installStatementStats(t.url)
    for (const schema of ['alpha', 'bravo', 'charlie']) await t.tenancy.createTenant({ name: schema, schema })
    env = { DATABASE_URL: t.url }
  })
  afterAll(() => t?.drop())

  it('--json prints one sample: cumulative counters per tenant, sizes and sessions', async () => {
    for (let i = 0; i < 10; i++) await t.tenancy.withTenant('bravo', () => t.tenancy.models.Customer.count())
    const out = await schemata(['top', '--json'], env)
    expect(out.code).toBe(0)
    const sample = JSON.parse(out.stdout) as ActivitySample
    expect(sample.database).toBe(t.name)
    expect(sample.statementStats.available).toBe(true)
    expect(sample.tenants.map((x) => x.schema)).toEqual(['alpha', 'bravo', 'charlie'])
    const bravo = sample.tenants.find((x) => x.schema === 'bravo')
    expect(bravo?.counters?.calls).toBeGreaterThanOrEqual(20)
    expect(bravo?.sizes.totalBytes).toBeGreaterThan(0)
    expect(bravo?.sessions).toMatchObject({ total: 0 })
  })

  it('refreshes: the tenant under load comes first, with its rate', async () => {
    let running = true
    const load = (async () => {
      while (running) await t.tenancy.withTenant('charlie', () => t.tenancy.models.Customer.count())
    })()
    const out = await schemata(['top', '--interval', '0.5', '--iterations', '2', '--sort', 'calls'], env).finally(() => {
      running = false
    })
    await load
    expect(out.code).toBe(0)
    const frames = out.stdout.trim().split(/\n\n(?=schemata top)/)
    expect(frames).toHaveLength(2)
    const lines = frames[1]?.split('\n') ?? []
    expect(lines[0]).toMatch(/^schemata top — database test_\w+, 3 tenant\(s\), every 0.5 s, .*sorted by calls$/)
    const header = lines.findIndex((line) => line.startsWith('tenant'))
    expect(lines[header]).toMatch(/^tenant\s+calls\/s\s+time ms\/s\s+share\s+mean ms/)
    const first = lines[header + 1]?.split(/\s+/)
    expect(first?.[0]).toBe('charlie')
    expect(Number(first?.[1]?.replace(/,/g, ''))).toBeGreaterThan(5)
    expect(lines[header + 2]?.split(/\s+/)[1]).toBe('0')
  })

  it('--help explains itself; bad flags exit 2 with one line naming the flag', async () => {
    const help = await schemata(['top', '--help'], env)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: schemata top/)
    for (const [args, field] of [
      [['top', '--sort', 'bogus'], 'sort'],
      [['top', '--interval', '0'], 'interval'],
      [['top', '--limit', '0'], 'limit'],
      [['top', '--json', '--interval', '1'], 'json'],
      [['top', '--frobnicate'], 'frobnicate'],
    ] as const) {
      const out = await schemata([...args], env)
      expect(out.code, args.join(' ')).toBe(2)
      expect(out.stderr.trim().split('\n')).toHaveLength(1)
      expect(out.stderr).toMatch(new RegExp(`^${field}: `))
      expect(out.stdout).toBe('')
    }
  })
})
