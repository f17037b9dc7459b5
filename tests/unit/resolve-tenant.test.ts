import { describe, expect, it } from 'vitest'
import { normalizeHost, resolveTenant, type RegistrySnapshot } from '../../electron/main/routing/resolve-tenant.ts'

const snapshot: RegistrySnapshot = {
  domains: new Map([
    ['acme.localhost', 'acme'],
    ['shop.acme.com', 'acme'],
    ['globex.example', 'globex'],
  ]),
  tenants: new Map([
    ['acme', 'active'],
    ['globex', 'active'],
    ['initech', 'suspended'],
    ['big_co', 'active'],
  ]),
}

describe('resolveTenant', () => {
  it('matches an exact registered domain first', () => {
    expect(resolveTenant(snapshot, { host: 'shop.acme.com' })).toMatchObject({ ok: true, schema: 'acme', via: 'domain' })
  })
  it('ignores port and case', () => {
    expect(resolveTenant(snapshot, { host: 'Globex.Example:4780' })).toMatchObject({ ok: true, schema: 'globex' })
  })
  it('resolves a subdomain of the base domain', () => {
    expect(resolveTenant(snapshot, { host: 'globex.localhost:4780' })).toMatchObject({ ok: true, schema: 'globex', via: 'subdomain' })
    expect(resolveTenant(snapshot, { host: 'beta.globex.localhost' })).toMatchObject({ ok: true, schema: 'globex' })
    expect(resolveTenant(snapshot, { host: 'big-co.localhost' })).toMatchObject({ ok: true, schema: 'big_co' })
  })
  it('falls back to the X-Tenant header on the bare host', () => {
    expect(resolveTenant(snapshot, { host: 'localhost:4780', header: 'globex' })).toMatchObject({ ok: true, schema: 'globex', via: 'header' })
  })
  it('accepts a header that agrees with the host', () => {
    expect(resolveTenant(snapshot, { host: 'acme.localhost', header: 'acme' })).toMatchObject({ ok: true, schema: 'acme' })
  })
  it('refuses a host and header that disagree', () => {
    expect(resolveTenant(snapshot, { host: 'acme.localhost', header: 'globex' })).toMatchObject({ ok: false, reason: 'conflict' })
  })
  it('reports unknown tenants and no tenant at all', () => {
    expect(resolveTenant(snapshot, { host: 'nobody.localhost' })).toMatchObject({ ok: false, reason: 'unknown' })
    expect(resolveTenant(snapshot, { header: 'nobody' })).toMatchObject({ ok: false, reason: 'unknown' })
    expect(resolveTenant(snapshot, { host: 'localhost:4780' })).toMatchObject({ ok: false, reason: 'none' })
    expect(resolveTenant(snapshot, {})).toMatchObject({ ok: false, reason: 'none' })
  })
  it('returns the status so callers can refuse suspended tenants', () => {
    expect(resolveTenant(snapshot, { header: 'initech' })).toMatchObject({ ok: true, schema: 'initech', status: 'suspended' })
  })
  it('normalises hosts', () => {
    expect(normalizeHost('[::1]:80')).toBe('::1')
    expect(normalizeHost('ACME.localhost.')).toBe('acme.localhost')
  })
})
