import type { Resolution, TenantStatus } from '../../../contract/types.ts'
import { quoteForMessage } from '../errors.ts'

export type { Resolution }

/** The part of the registry routing needs, loaded once and cached. */
export interface RegistrySnapshot {
  /** Exact host → schema. */
  domains: ReadonlyMap<string, string>
  /** Schema → status. */
  tenants: ReadonlyMap<string, TenantStatus>
}

export interface ResolveRequest {
  /** The Host header, possibly with a port. */
  host?: string | undefined
  /** The X-Tenant header. */
  header?: string | undefined
}

/** `Acme.LocalHost:4780` → `acme.localhost`; `[::1]:80` → `::1`. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    return end === -1 ? h : h.slice(1, end)
  }
  const colon = h.lastIndexOf(':')
  if (colon !== -1 && h.indexOf(':') === colon) h = h.slice(0, colon)
  return h.endsWith('.') ? h.slice(0, -1) : h
}

/** The loopback names: the tenant API answers them (with X-Tenant) on any port. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1'])

/**
 * Whether the tenant API answers a Host at all: a registered domain, any
 * `<label>.<baseDomain>` (an unknown label then gets a 404), or a loopback
 * name. Any other name is how a DNS-rebinding page arrives — its own domain,
 * pointed at 127.0.0.1 — and is refused before routing (421).
 */
export function isTenantApiHost(snapshot: RegistrySnapshot, host: string | undefined, baseDomain = 'localhost'): boolean {
  if (!host) return false
  const name = normalizeHost(host)
  return LOOPBACK_HOSTS.has(name) || snapshot.domains.has(name) || name.endsWith(`.${baseDomain}`)
}

/** The tenant a host names, if any: an exact domain first, then `<schema>.<baseDomain>`. */
function fromHost(
  snapshot: RegistrySnapshot,
  host: string,
  baseDomain: string,
): { schema: string; via: 'domain' | 'subdomain' } | { unknown: string } | undefined {
  const exact = snapshot.domains.get(host)
  if (exact !== undefined) return { schema: exact, via: 'domain' }
  const suffix = `.${baseDomain}`
  if (host.endsWith(suffix)) {
    const labels = host.slice(0, -suffix.length).split('.')
    // `beta.acme.localhost` belongs to acme: the label next to the base domain names the tenant.
    const label = labels[labels.length - 1] ?? ''
    const schema = label.replaceAll('-', '_')
    if (snapshot.tenants.has(label)) return { schema: label, via: 'subdomain' }
    if (snapshot.tenants.has(schema)) return { schema, via: 'subdomain' }
    return { unknown: label }
  }
  return undefined
}

/**
 * Resolves a request to a tenant: an exact registered domain, else a subdomain
 * of `baseDomain`, else the X-Tenant header. A host and a header that name
 * different tenants is a conflict, never a silent pick.
 */
export function resolveTenant(snapshot: RegistrySnapshot, request: ResolveRequest, baseDomain = 'localhost'): Resolution {
  const host = request.host ? normalizeHost(request.host) : ''
  const header = request.header?.trim().toLowerCase() ?? ''
  const byHost = host ? fromHost(snapshot, host, baseDomain) : undefined

  if (byHost && 'unknown' in byHost) {
    return { ok: false, reason: 'unknown', message: `no tenant for host ${quoteForMessage(host, 100)}` }
  }
  if (header) {
    if (!snapshot.tenants.has(header)) return { ok: false, reason: 'unknown', message: `no tenant ${quoteForMessage(header, 100)} (X-Tenant)` }
    if (byHost && byHost.schema !== header) {
      return {
        ok: false,
        reason: 'conflict',
        message: `host ${quoteForMessage(host, 100)} names tenant "${byHost.schema}" but X-Tenant names ${quoteForMessage(header, 100)}`,
      }
    }
  }
  const schema = byHost?.schema ?? (header || undefined)
  if (schema === undefined) return { ok: false, reason: 'none', message: 'no tenant named by host or X-Tenant header' }
  const status = snapshot.tenants.get(schema)
  if (status === undefined) return { ok: false, reason: 'unknown', message: `no tenant "${schema}"` }
  return { ok: true, schema, status, via: byHost ? byHost.via : 'header' }
}
