import { describe, expect, it } from 'vitest'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'

describe('SessionStore', () => {
  it('gives each window its own session and active tenant', () => {
    const store = new SessionStore()
    const a = store.open('1')
    const b = store.open('2')
    a.activeTenant = 'acme'
    expect(b.activeTenant).toBeNull()
    expect(store.open('1')).toBe(a)
    expect(store.size).toBe(2)
  })

  it('clears a dropped tenant from every session that had it, and only from those', () => {
    const store = new SessionStore()
    store.open('1').activeTenant = 'acme'
    store.open('2').activeTenant = 'globex'
    store.open('3').activeTenant = 'acme'
    expect(store.clearTenant('acme').sort()).toEqual(['1', '3'])
    expect(store.get('1')?.activeTenant).toBeNull()
    expect(store.get('2')?.activeTenant).toBe('globex')
  })

  it('forgets a closed session', () => {
    const store = new SessionStore()
    store.open('1').activeTenant = 'acme'
    store.close('1')
    expect(store.get('1')).toBeUndefined()
    expect(store.open('1').activeTenant).toBeNull()
  })

  it('with a capacity, forgets the least recently used session', () => {
    const store = new SessionStore({ capacity: 2 })
    store.open('a').activeTenant = 'acme'
    store.open('b')
    store.open('a')
    store.open('c')
    expect(store.get('b')).toBeUndefined()
    expect(store.get('a')?.activeTenant).toBe('acme')
    expect(store.size).toBe(2)
  })
})
