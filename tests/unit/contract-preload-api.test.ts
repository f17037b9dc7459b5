import { describe, expect, expectTypeOf, it } from 'vitest'
import { CALL_NAMES } from '../../contract/contract.ts'
import { CALL_CHANNEL, EVENT_CHANNEL, EVENT_NAMES, isEventName } from '../../contract/channels.ts'
import { type MethodName, methodNameOf } from '../../electron/preload/bridge-api.ts'

describe('preload API derived from the contract', () => {
  it('names a method per call, camel-cased from domain/verb', () => {
    expect(methodNameOf('tenants/list')).toBe('tenantsList')
    expect(methodNameOf('tenants/set-status')).toBe('tenantsSetStatus')
    expect(methodNameOf('data/customers/create')).toBe('dataCustomersCreate')
    expect(methodNameOf('inspect/probe-cross-tenant')).toBe('inspectProbeCrossTenant')
    expectTypeOf<MethodName<'inspect/probe-cross-tenant'>>().toEqualTypeOf<'inspectProbeCrossTenant'>()
  })

  it('gives every call a distinct method that does not shadow call/on', () => {
    const names = CALL_NAMES.map(methodNameOf)
    expect(new Set(names).size).toBe(CALL_NAMES.length)
    expect(names).not.toContain('call')
    expect(names).not.toContain('on')
    for (const name of names) expect(name).toMatch(/^[a-z][A-Za-z]*$/)
  })

  it('uses two fixed channels and knows the event names', () => {
    expect(CALL_CHANNEL).toBe('schemata:call')
    expect(EVENT_CHANNEL).toBe('schemata:event')
    expect([...EVENT_NAMES].sort()).toEqual(['db/status', 'migrations/progress', 'requests/logged', 'sql/fan-out', 'tenants/changed', 'tenants/progress'])
    expect(isEventName('tenants/changed')).toBe(true)
    expect(isEventName('__proto__')).toBe(false)
  })
})
