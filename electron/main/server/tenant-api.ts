import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import { customerFields } from '../../../contract/data-rules.ts'
import { UnauthorizedError } from '../auth/auth-errors.ts'
import { AUTHORIZE_TOKEN_SQL, bearerToken, verifyApiToken, type ApiTokenClaims } from '../auth/api-token.ts'
import type { LoginRateLimiter } from '../auth/login-rate-limiter.ts'
import { loginToTenant } from '../auth/tenant-login.ts'
import { InvalidInputError, SchemataError, TenantSuspendedError, quoteForMessage } from '../errors.ts'
import { type Resolution, splitTenantPath } from '../routing/resolve-tenant.ts'
import { toCustomerDto, toOrderDto } from '../tenancy/data-dto.ts'
import type { TenantScope } from '../tenancy/scope.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { ForbiddenError, HttpError, NotFoundError, type JsonReply, errorReply } from './http-errors.ts'
import { readJsonBody } from './json-body.ts'
import { parseInput } from './validate-input.ts'

/** What the tenant API needs of the tenancy core. */
export type TenantApiBackend = Pick<Tenancy, 'resolve' | 'servesApiHost' | 'withTenant' | 'models' | 'getTenant' | 'routing'>

export interface TenantApiOptions {
  backend: TenantApiBackend
  secret: Buffer
  tokenTtlSeconds: number
  /** Failed sign-ins per tenant and email. */
  limiter: LoginRateLimiter
  /** Failed sign-ins per client (remote address), whatever account they try. */
  clientLimiter: LoginRateLimiter
  now: () => number
  bodyLimit: number
  /** Told about errors nobody raised on purpose (they reach the client only as "internal error"). */
  onError: (error: unknown) => void
}

export interface TenantApiOutcome {
  reply: JsonReply
  /** How the request resolved, for the request log (undefined only if resolving itself failed). */
  resolution: Resolution | undefined
}

const loginInput = z
  .object({
    email: z.string().min(3, 'must be an email address').max(320, 'is too long'),
    password: z.string().min(1, 'must not be empty').max(1024, 'is too long'),
  })
  .strict()

const customerInput = z.object(customerFields).strict()

const MAX_ROWS = 1000
/** GET endpoints only read: PostgreSQL refuses writes, and the reply need not wait for COMMIT. */
const READ_ONLY = { readOnly: true } as const

/** Turns a failed resolution into the error the rules of the tenant API prescribe. */
function refuseResolution(resolution: Exclude<Resolution, { ok: true }>, headerName: string, byPath: boolean): Error {
  const pathNote = byPath ? ', or the path /t/<schema>/api/…' : ''
  switch (resolution.reason) {
    case 'conflict':
      return new InvalidInputError(headerName.toLowerCase(), resolution.message)
    case 'unknown':
      return new HttpError(404, 'TENANT_NOT_FOUND', resolution.message)
    case 'none':
      return new HttpError(
        404,
        'TENANT_NOT_FOUND',
        `no tenant: use a tenant host (<schema>.localhost or a registered domain) or an ${headerName} header${pathNote}`,
      )
  }
}

function methodNotAllowed(method: string, path: string, allowed: readonly string[]): HttpError {
  return new HttpError(405, 'INVALID_INPUT', `method: ${method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`, {
    field: 'method',
    headers: { allow: allowed.join(', ') },
  })
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * Serves `/api/*`: resolves the tenant (exact domain, then subdomain, then
 * X-Tenant), refuses per the routing rules, and runs each endpoint inside
 * that tenant's scope. Never throws: failures come back as JSON replies.
 */
export async function handleTenantApi(req: IncomingMessage, pathname: string, options: TenantApiOptions): Promise<TenantApiOutcome> {
  let resolution: Resolution | undefined
  try {
    const host = header(req, 'host')
    // Before routing: a name we do not serve is how a DNS-rebinding page arrives (its own domain pointed at 127.0.0.1).
    if (!(await options.backend.servesApiHost(host))) {
      throw new HttpError(421, 'FORBIDDEN', `host ${quoteForMessage(host ?? '', 100)} is not served by this tenant API (use a tenant's domain, <schema>.localhost, or localhost with X-Tenant)`)
    }
    // The project's routing: its header name, and /t/<schema>/api/… when path-prefix routing is on.
    const routing = options.backend.routing
    const prefixed = routing.pathPrefix ? splitTenantPath(pathname) : undefined
    resolution = await options.backend.resolve({ host, header: header(req, routing.header.toLowerCase()), path: prefixed?.label })
    if (!resolution.ok) throw refuseResolution(resolution, routing.header, routing.pathPrefix)
    if (resolution.status !== 'active') throw new TenantSuspendedError(resolution.schema, resolution.status)
    const reply = await route(req, prefixed?.rest ?? pathname, resolution.schema, options)
    return { reply, resolution }
  } catch (error) {
    if (!(error instanceof SchemataError)) options.onError(error)
    return { reply: errorReply(error), resolution }
  }
}

async function route(req: IncomingMessage, pathname: string, schema: string, options: TenantApiOptions): Promise<JsonReply> {
  const method = req.method ?? 'GET'
  const { backend } = options
  const { Customer, Order } = backend.models
  switch (pathname) {
    case '/api/tenant': {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, pathname, ['GET', 'HEAD'])
      // Registry data, read outside the tenant scope: the tenant role cannot read public.tenants.
      const tenant = await backend.getTenant(schema)
      if (tenant.status !== 'active') throw new TenantSuspendedError(schema)
      return { status: 200, body: { name: tenant.name, schema: tenant.schema } }
    }
    case '/api/login': {
      if (method !== 'POST') throw methodNotAllowed(method, pathname, ['POST'])
      // Both before any attempt is counted: another site can neither post this form nor lock an account out.
      await assertOwnOrigin(req, schema, backend)
      const input = parseInput(loginInput, await readJsonBody(req, JSON_BODY(options)))
      const result = await loginToTenant(
        {
          tenancy: backend,
          secret: options.secret,
          limiter: options.limiter,
          clientLimiter: options.clientLimiter,
          clientKey: req.socket.remoteAddress ?? 'unknown',
          ttlSeconds: options.tokenTtlSeconds,
          now: options.now,
        },
        schema,
        input,
      )
      return { status: 200, body: result }
    }
    case '/api/logout': {
      if (method !== 'POST') throw methodNotAllowed(method, pathname, ['POST'])
      await assertOwnOrigin(req, schema, backend)
      await readJsonBody(req, JSON_BODY(options))
      // Signs the user out everywhere: every token issued to it so far stops working.
      await authorized(req, schema, options, (scope, claims) =>
        scope.query('UPDATE users SET token_version = token_version + 1 WHERE id = $1', [claims.userId]),
      )
      return { status: 200, body: { signedOut: true } }
    }
    case '/api/customers': {
      if (method === 'GET' || method === 'HEAD') {
        const rows = await authorized(req, schema, options, () => Customer.findAll({ order: [['id', 'ASC']], limit: MAX_ROWS }), READ_ONLY)
        return { status: 200, body: { customers: rows.map(toCustomerDto) } }
      }
      if (method === 'POST') {
        await assertOwnOrigin(req, schema, backend)
        const claims = await authenticate(req, schema, options)
        const input = parseInput(customerInput, await readJsonBody(req, JSON_BODY(options)))
        const row = await authorized(req, schema, options, () => Customer.create({ name: input.name, email: input.email }), {}, claims)
        return { status: 201, body: { customer: toCustomerDto(row) } }
      }
      throw methodNotAllowed(method, pathname, ['GET', 'HEAD', 'POST'])
    }
    case '/api/orders': {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, pathname, ['GET', 'HEAD'])
      const rows = await authorized(
        req,
        schema,
        options,
        () =>
          Order.findAll({
            include: [{ model: Customer, as: 'customer', attributes: ['name'] }],
            order: [['id', 'ASC']],
            limit: MAX_ROWS,
          }),
        READ_ONLY,
      )
      return { status: 200, body: { orders: rows.map((row) => toOrderDto(row)) } }
    }
    default:
      throw new NotFoundError(`no endpoint ${pathname} (try /api/tenant, /api/login, /api/logout, /api/customers, /api/orders)`)
  }
}

/**
 * Runs `fn` in the tenant's scope for the holder of a valid token. The token's
 * signature says who it was issued to; the database says whether that still
 * holds: the scope's tenant is the one the token was issued by (not a tenant
 * created since under the same schema name), the user exists, is not
 * disabled and has not signed out since. That check is the scope's first
 * statement. A read goes out right behind it (its rows are dropped if the check
 * fails, the transaction being read-only); a write waits for it.
 */
async function authorized<T>(
  req: IncomingMessage,
  schema: string,
  options: TenantApiOptions,
  fn: (scope: TenantScope, claims: ApiTokenClaims) => Promise<T>,
  scopeOptions: { readOnly?: boolean } = {},
  verified?: ApiTokenClaims,
): Promise<T> {
  const claims = verified ?? (await authenticate(req, schema, options))
  return options.backend.withTenant(
    schema,
    async (scope) => {
      const checking = scope
        .query<{ same_tenant: boolean | null; user_ok: boolean }>(AUTHORIZE_TOKEN_SQL, [claims.tenantId, claims.userId, claims.version])
        .then(([row]) => {
          if (row?.same_tenant !== true) throw new UnauthorizedError('the token was issued by a tenant that no longer exists (sign in again)')
          if (!row.user_ok) throw new UnauthorizedError('the token was signed out, or its user is disabled or gone (sign in again)')
        })
      if (!scopeOptions.readOnly) await checking
      else checking.catch(() => undefined)
      const result = await fn(scope, claims)
      await checking
      return result
    },
    scopeOptions,
  )
}

/** Request bodies of the tenant API: JSON only (a form or a `no-cors` fetch from another site gets 415). */
function JSON_BODY(options: TenantApiOptions): { limit: number; requireJsonType: true } {
  return { limit: options.bodyLimit, requireJsonType: true }
}

/**
 * A state-changing request that carries an Origin must come from the
 * tenant's own origin: a page on a host that resolves to this same tenant.
 * Browsers send Origin with every POST, so another site's page is refused
 * (403) here; clients that are not browsers send none and are not affected.
 */
async function assertOwnOrigin(req: IncomingMessage, schema: string, backend: TenantApiBackend): Promise<void> {
  const origin = header(req, 'origin')
  if (origin === undefined) return
  let host: string | undefined
  try {
    const url = new URL(origin)
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin) host = url.host
  } catch {
    // `null` (sandboxed frames, file:) and anything malformed: not an origin of this tenant.
  }
  const resolved = host === undefined ? undefined : await backend.resolve({ host })
  if (resolved?.ok === true && resolved.schema === schema) return
  throw new ForbiddenError(`origin ${quoteForMessage(origin, 100)} is not this tenant's own; state-changing requests come from its own pages only`)
}

/** The verified claims of the request's bearer token (signature, expiry, tenant); not yet checked against the database. */
function authenticate(req: IncomingMessage, schema: string, options: TenantApiOptions): Promise<ApiTokenClaims> {
  const token = bearerToken(header(req, 'authorization'))
  if (!token) throw new UnauthorizedError('a bearer token for this tenant is required (POST /api/login)')
  return verifyApiToken(options.secret, token, { tenant: schema, nowMs: options.now() })
}
