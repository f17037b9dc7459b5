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
  /** The tenant header (`routing.header`, X-Tenant by default). */
  header?: string | undefined
  /** The schema a `/t/<schema>/api/…` path names (see `splitTenantPath`); only with path-prefix routing on. */
  path?: string | undefined
}

/** A project's routing rules, as resolution needs them (see RoutingOptions in the project). */
export interface RouteRules {
  /** Tenants are reached at `<schema>.<baseDomain>`. */
  readonly baseDomain: string
  /** Whether an unregistered `<label>.<baseDomain>` names tenant `label`; registered domains always route. */
  readonly subdomains: boolean
  /** The header's name, for messages. */
  readonly header: string
  /** Whether `/t/<schema>/api/…` names a tenant. */
  readonly pathPrefix: boolean
}

export const DEFAULT_RULES: RouteRules = { baseDomain: 'localhost', subdomains: true, header: 'X-Tenant', pathPrefix: false }

/** `rules` or, for a bare base domain, the defaults with it. */
function rulesOf(rules: RouteRules | string): RouteRules {
  return typeof rules === 'string' ? { ...DEFAULT_RULES, baseDomain: rules } : rules
}

/**
 * Path-prefix routing (django-tenants' subfolder routing): `/t/acme/api/x` →
 * `{ label: 'acme', rest: '/api/x' }`. Only paths into the API qualify; any
 * other path (or none) is undefined. The label is lowercased and
 * percent-decoded; the registry decides whether it names a tenant.
 */
export function splitTenantPath(pathname: string): { label: string; rest: string } | undefined {
  const match = /^\/t\/([^/]+)(\/api(?:\/.*)?)$/.exec(pathname)
  if (!match) return undefined
  let label: string
  try {
    label = decodeURIComponent(match[1] ?? '').toLowerCase()
  } catch {
    return undefined
  }
  return { label, rest: match[2] ?? '/api' }
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
export function isTenantApiHost(snapshot: RegistrySnapshot, host: string | undefined, rules: RouteRules | string = DEFAULT_RULES): boolean {
  if (!host) return false
  const { baseDomain, subdomains } = rulesOf(rules)
  const name = normalizeHost(host)
  return LOOPBACK_HOSTS.has(name) || snapshot.domains.has(name) || (subdomains && name.endsWith(`.${baseDomain}`))
}

/** The tenant a host names, if any: an exact domain first, then `<schema>.<baseDomain>`. */
function fromHost(
  snapshot: RegistrySnapshot,
  host: string,
  rules: RouteRules,
): { schema: string; via: 'domain' | 'subdomain' } | { unknown: string } | undefined {
  const exact = snapshot.domains.get(host)
  if (exact !== undefined) return { schema: exact, via: 'domain' }
  const suffix = `.${rules.baseDomain}`
  if (rules.subdomains && host.endsWith(suffix)) {
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
 * of the base domain (when on), then the `/t/<schema>/` path prefix (when on),
 * then the tenant header. Each of them that names a tenant must name the same
 * one: a disagreement is a conflict, never a silent pick.
 */
export function resolveTenant(snapshot: RegistrySnapshot, request: ResolveRequest, routeRules: RouteRules | string = DEFAULT_RULES): Resolution {
  const rules = rulesOf(routeRules)
  const host = request.host ? normalizeHost(request.host) : ''
  const header = request.header?.trim().toLowerCase() ?? ''
  const path = rules.pathPrefix ? (request.path ?? '') : ''
  const byHost = host ? fromHost(snapshot, host, rules) : undefined

  if (byHost && 'unknown' in byHost) {
    return { ok: false, reason: 'unknown', message: `no tenant for host ${quoteForMessage(host, 100)}` }
  }
  if (path && !snapshot.tenants.has(path)) return { ok: false, reason: 'unknown', message: `no tenant ${quoteForMessage(path, 100)} (path /t/${path}/)` }
  if (header && !snapshot.tenants.has(header)) {
    return { ok: false, reason: 'unknown', message: `no tenant ${quoteForMessage(header, 100)} (${rules.header})` }
  }
  // Every source that names a tenant, strongest first.
  const named: { schema: string; via: 'domain' | 'subdomain' | 'path' | 'header'; what: string }[] = []
  if (byHost) named.push({ ...byHost, what: `host ${quoteForMessage(host, 100)}` })
  if (path) named.push({ schema: path, via: 'path', what: `path /t/${path}/` })
  if (header) named.push({ schema: header, via: 'header', what: rules.header })
  const [first] = named
  if (!first) {
    const ways = ['host', ...(rules.pathPrefix ? ['/t/<schema>/ path'] : []), `${rules.header} header`]
    return { ok: false, reason: 'none', message: `no tenant named by ${ways.join(' or ')}` }
  }
  const other = named.find((n) => n.schema !== first.schema)
  if (other) {
    return { ok: false, reason: 'conflict', message: `${first.what} names tenant "${first.schema}" but ${other.what} names ${quoteForMessage(other.schema, 100)}` }
  }
  const status = snapshot.tenants.get(first.schema)
  if (status === undefined) return { ok: false, reason: 'unknown', message: `no tenant "${first.schema}"` }
  return { ok: true, schema: first.schema, status, via: first.via }
}
