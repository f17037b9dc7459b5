import { describe, expect, it } from 'vitest'
import { tenantRoleName } from '../../electron/main/tenancy/role-name.ts'

describe('tenantRoleName', () => {
  it('differs between databases for the same schema', () => {
    expect(tenantRoleName('db_one', 'acme')).not.toBe(tenantRoleName('db_two', 'acme'))
  })
  it('is stable', () => {
    expect(tenantRoleName('schemata', 'acme')).toBe(tenantRoleName('schemata', 'acme'))
  })
  it('fits in 63 bytes and stays unique for long schema names', () => {
    const a = tenantRoleName('schemata', `${'a'.repeat(62)}b`)
    const b = tenantRoleName('schemata', `${'a'.repeat(62)}c`)
    expect(a.length).toBeLessThanOrEqual(63)
    expect(b.length).toBeLessThanOrEqual(63)
    expect(a).not.toBe(b)
  })
})
