import { describe, expect, it } from 'vitest'
import { DEFAULT_RULES, isTenantApiHost, normalizeHost, resolveTenant, splitTenantPath, type RegistrySnapshot } from '../../electron/main/routing/resolve-tenant.ts'

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

describe('per-project routing rules', () => {
  const byPath = { ...DEFAULT_RULES, pathPrefix: true }
  it('splits /t/<schema>/api/… into the schema and the API path; anything else is not a tenant path', () => {
    expect(splitTenantPath('/t/acme/api/customers')).toEqual({ label: 'acme', rest: '/api/customers' })
    expect(splitTenantPath('/t/Acme/api')).toEqual({ label: 'acme', rest: '/api' })
    for (const path of ['/t/acme/', '/t/acme/apix', '/t//api/x', '/api/t/acme/api', '/t/acme/x/api', '/t/%E0%A4%A/api']) expect(splitTenantPath(path), path).toBeUndefined()
  })
  it('a path names a tenant only when path-prefix routing is on', () => {
    expect(resolveTenant(snapshot, { path: 'globex' }, byPath)).toMatchObject({ ok: true, schema: 'globex', via: 'path' })
    expect(resolveTenant(snapshot, { path: 'globex' })).toMatchObject({ ok: false, reason: 'none' })
    expect(resolveTenant(snapshot, { path: 'nobody' }, byPath)).toMatchObject({ ok: false, reason: 'unknown' })
  })
  it('host, path and header must agree', () => {
    expect(resolveTenant(snapshot, { host: 'acme.localhost', path: 'acme', header: 'acme' }, byPath)).toMatchObject({ ok: true, via: 'domain' })
    expect(resolveTenant(snapshot, { host: 'acme.localhost', path: 'globex' }, byPath)).toMatchObject({ ok: false, reason: 'conflict' })
    expect(resolveTenant(snapshot, { path: 'acme', header: 'globex' }, byPath)).toMatchObject({ ok: false, reason: 'conflict', message: expect.stringContaining('X-Tenant') as string })
  })
  it('with subdomains off only registered domains route by host, and other subdomains are not served', () => {
    const off = { ...DEFAULT_RULES, subdomains: false }
    expect(resolveTenant(snapshot, { host: 'acme.localhost' }, off)).toMatchObject({ ok: true, schema: 'acme', via: 'domain' })
    expect(resolveTenant(snapshot, { host: 'big-co.localhost' }, off)).toMatchObject({ ok: false, reason: 'none' })
    expect(isTenantApiHost(snapshot, 'big-co.localhost', off)).toBe(false)
    expect(isTenantApiHost(snapshot, 'big-co.localhost', DEFAULT_RULES)).toBe(true)
  })
  it('names the project’s header in messages', () => {
    const custom = { ...DEFAULT_RULES, header: 'X-Customer' }
    expect(resolveTenant(snapshot, { header: 'nobody' }, custom)).toMatchObject({ message: expect.stringContaining('(X-Customer)') as string })
  })
})
