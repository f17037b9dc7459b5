import { describe, expect, it } from 'vitest'
import type { PlannedTenant } from '../../contract/rollout-types.ts'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { parseDuration } from '../../electron/main/rollout/durations.ts'
import { DurationEstimator, stageEstimate } from '../../electron/main/rollout/estimate.ts'
import { orderTenants, parseOrderFile } from '../../electron/main/rollout/order-tenants.ts'
import { buildStages, canarySeed, pickRandom } from '../../electron/main/rollout/stages.ts'

function invalid(fn: () => unknown): InvalidInputError {
  try {
    fn()
  } catch (error) {
    if (error instanceof InvalidInputError) return error
    throw error
  }
  throw new Error('no error')
}

const planned = (schema: string, pending = ['0001_a']): PlannedTenant => ({ schema, name: schema.toUpperCase(), pending, estimateMs: null })

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['3', 3000],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text, 'pause-between', 24 * 3_600_000)).toBe(ms))

  it.each(['abc', '-1s', '10 parsecs', '', '25h'])('%j is refused, naming the flag', (text) => {
    const error = invalid(() => parseDuration(text, 'pause-between', 24 * 3_600_000))
    expect(error.field).toBe('pause-between')
    expect(error.message).toMatch(/^pause-between: --pause-between must be a duration like 500ms, 10s, 2m or 1h, at most 24h$/)
  })
})

describe('order', () => {
  const fleet = [
    { schema: 'zeta', name: 'Alpha Corp', createdAt: '2026-01-03T00:00:00Z', sizeBytes: 300 },
    { schema: 'acme', name: 'Zed Inc', createdAt: '2026-01-01T00:00:00Z', sizeBytes: 900 },
    { schema: 'midi', name: 'middle', createdAt: '2026-01-02T00:00:00Z', sizeBytes: 100 },
  ]
  const schemas = (by: Parameters<typeof orderTenants>[1], file?: Parameters<typeof orderTenants>[2]) =>
    orderTenants(fleet, by, file).ordered.map((t) => t.schema)

  it('by display name, by creation (oldest first), by size (smallest first)', () => {
    expect(schemas('name')).toEqual(['zeta', 'midi', 'acme'])
    expect(schemas('created')).toEqual(['acme', 'midi', 'zeta'])
    expect(schemas('size')).toEqual(['midi', 'zeta', 'acme'])
  })

  it('by file: as listed, then the unlisted tenants by name', () => {
    const file = { path: 'order.txt', schemas: parseOrderFile('# first the big one\nacme\n\n  midi  # then this\n', 'order.txt') }
    expect(file.schemas).toEqual(['acme', 'midi'])
    expect(orderTenants(fleet, 'file', file)).toMatchObject({ unlisted: ['zeta'] })
    expect(schemas('file', file)).toEqual(['acme', 'midi', 'zeta'])
  })

  it('an order file naming tenants that do not exist is refused, naming each', () => {
    const error = invalid(() => orderTenants(fleet, 'file', { path: 'o.txt', schemas: ['acme', 'ghost', 'nobody'] }))
    expect(error.field).toBe('order')
    expect(error.message).toBe('order: o.txt names 2 tenants that do not exist: ghost, nobody')
  })

  it('an order file with a bad name or a duplicate says which line', () => {
    expect(invalid(() => parseOrderFile('acme\nBad-Name\n', 'o.txt')).message).toMatch(/^order: o.txt line 2: "Bad-Name" must match/)
    expect(invalid(() => parseOrderFile('acme\nmidi\nacme\n', 'o.txt')).message).toBe('order: o.txt line 3: acme is already listed on line 1')
  })
})

describe('stages', () => {
  const toMigrate = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'].map((s) => planned(s))
  const fleet = new Set([...toMigrate.map((t) => t.schema), 'uptodate'])
  const seed = canarySeed(toMigrate)
  const shape = (options: Parameters<typeof buildStages>[2]) =>
    buildStages(toMigrate, fleet, options, seed).map((s) => `${s.kind}${s.number}:${s.tenants.map((t) => t.schema).join(',')}`)

  it('without options: one wave of everyone, in run order', () => {
    expect(shape({})).toEqual(['wave1:a1,a2,a3,a4,a5,a6,a7'])
  })

  it('a named canary runs first in the order named; waves split the rest', () => {
    expect(shape({ canary: { schemas: ['a5', 'a2'] }, wave: 2 })).toEqual(['canary1:a5,a2', 'wave1:a1,a3', 'wave2:a4,a6', 'wave3:a7'])
  })

  it('a canary tenant with nothing pending is a tenant, but has nothing to prove', () => {
    expect(shape({ canary: { schemas: ['uptodate', 'a3'] } })).toEqual(['canary1:a3', 'wave1:a1,a2,a4,a5,a6,a7'])
    expect(shape({ canary: { schemas: ['uptodate'] }, wave: 3 })).toEqual(['wave1:a1,a2,a3', 'wave2:a4,a5,a6', 'wave3:a7'])
  })

  it('a canary that is not a tenant is refused, naming it', () => {
    const error = invalid(() => shape({ canary: { schemas: ['a1', 'ghost'] } }))
    expect(error.message).toBe('canary: "ghost" is not a tenant')
  })

  it('a random canary is reproducible: the same fleet and work pick the same tenants', () => {
    const first = shape({ canary: { count: 3 } })
    expect(first[0]).toMatch(/^canary1:(a\d,){2}a\d$/)
    expect(shape({ canary: { count: 3 } })).toEqual(first)
    // The seed ignores input order, but changes with the pending work.
    expect(canarySeed([...toMigrate].reverse())).toBe(seed)
    expect(canarySeed(toMigrate.map((t) => ({ ...t, pending: ['0002_b'] })))).not.toBe(seed)
    // Different seeds pick differently (over many draws, not always the first few).
    const picks = new Set(Array.from({ length: 20 }, (_, i) => pickRandom(toMigrate, 3, `${(i * 2654435761 % 4294967296).toString(16).padStart(8, '0')}00000000`).map((t) => t.schema).join()))
    expect(picks.size).toBeGreaterThan(5)
    expect(shape({ canary: { count: 99 } })).toEqual(['canary1:a1,a2,a3,a4,a5,a6,a7'])
  })
})

describe('estimates from past runs', () => {
  it('the same set of migrations: their median; otherwise per migration; no history: none', () => {
    const estimator = new DurationEstimator(
      [
        { applied: ['0001_a'], durationMs: 10 },
        { applied: ['0001_a'], durationMs: 30 },
        { applied: ['0001_a'], durationMs: 20 },
        { applied: ['0001_a', '0002_b'], durationMs: 100 },
      ],
      2,
    )
    expect(estimator.estimate(['0001_a'])).toBe(20)
    expect(estimator.estimate(['0001_a', '0002_b'])).toBe(100)
    // Per migration: medians of 10, 30, 20, 50 → 25; three migrations → 75.
    expect(estimator.estimate(['0003_c', '0004_d', '0005_e'])).toBe(75)
    expect(estimator.estimate([])).toBe(0)
    expect(estimator.basis).toBe('median of 4 tenant migration(s) in 2 earlier run(s)')
    const none = new DurationEstimator([], 0)
    expect(none.estimate(['0001_a'])).toBeNull()
    expect(none.basis).toMatch(/^no estimate/)
  })

  it('a stage spreads its tenants over the lanes; one unknown makes the stage unknown', () => {
    expect(stageEstimate([10, 20, 30, 40], 2)).toBe(50)
    expect(stageEstimate([10], 4)).toBe(10)
    expect(stageEstimate([10, null], 4)).toBeNull()
  })
})
