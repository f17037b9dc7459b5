import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import { customerFields } from '../../../contract/data-rules.ts'
import { UnauthorizedError } from '../auth/auth-errors.ts'
import { bearerToken, verifyApiToken, type ApiTokenClaims } from '../auth/api-token.ts'
import type { LoginRateLimiter } from '../auth/login-rate-limiter.ts'
import { loginToTenant } from '../auth/tenant-login.ts'
import { InvalidInputError, SchemataError, TenantSuspendedError } from '../errors.ts'
import type { Resolution } from '../routing/resolve-tenant.ts'
import { toCustomerDto, toOrderDto } from '../tenancy/data-dto.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { HttpError, NotFoundError, type JsonReply, errorReply } from './http-errors.ts'
import { readJsonBody } from './json-body.ts'
import { parseInput } from './validate-input.ts'

/** What the tenant API needs of the tenancy core. */
export type TenantApiBackend = Pick<Tenancy, 'resolve' | 'withTenant' | 'models' | 'getTenant'>

export interface TenantApiOptions {
  backend: TenantApiBackend
  secret: Buffer
  tokenTtlSeconds: number
  limiter: LoginRateLimiter
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
function refuseResolution(resolution: Exclude<Resolution, { ok: true }>): Error {
  switch (resolution.reason) {
    case 'conflict':
      return new InvalidInputError('x-tenant', resolution.message)
    case 'unknown':
      return new HttpError(404, 'TENANT_NOT_FOUND', resolution.message)
    case 'none':
      return new HttpError(
        404,
        'TENANT_NOT_FOUND',
        'no tenant: use a tenant host (<schema>.localhost or a registered domain) or an X-Tenant header',
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
    resolution = await options.backend.resolve({ host: header(req, 'host'), header: header(req, 'x-tenant') })
    if (!resolution.ok) throw refuseResolution(resolution)
    if (resolution.status !== 'active') throw new TenantSuspendedError(resolution.schema, resolution.status)
    const reply = await route(req, pathname, resolution.schema, options)
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
      const input = parseInput(loginInput, await readJsonBody(req, { limit: options.bodyLimit }))
      const result = await loginToTenant(
        {
          tenancy: backend,
          secret: options.secret,
          limiter: options.limiter,
          ttlSeconds: options.tokenTtlSeconds,
          now: options.now,
        },
        schema,
        input,
      )
      return { status: 200, body: result }
    }
    case '/api/customers': {
      if (method === 'GET' || method === 'HEAD') {
        authenticate(req, schema, options)
        const rows = await backend.withTenant(schema, () => Customer.findAll({ order: [['id', 'ASC']], limit: MAX_ROWS }), READ_ONLY)
        return { status: 200, body: { customers: rows.map(toCustomerDto) } }
      }
      if (method === 'POST') {
        authenticate(req, schema, options)
        const input = parseInput(customerInput, await readJsonBody(req, { limit: options.bodyLimit }))
        const row = await backend.withTenant(schema, () => Customer.create({ name: input.name, email: input.email }))
        return { status: 201, body: { customer: toCustomerDto(row) } }
      }
      throw methodNotAllowed(method, pathname, ['GET', 'HEAD', 'POST'])
    }
    case '/api/orders': {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, pathname, ['GET', 'HEAD'])
      authenticate(req, schema, options)
      const rows = await backend.withTenant(schema, () =>
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
      throw new NotFoundError(`no endpoint ${pathname} (try /api/tenant, /api/login, /api/customers, /api/orders)`)
  }
}

function authenticate(req: IncomingMessage, schema: string, options: TenantApiOptions): ApiTokenClaims {
  const token = bearerToken(header(req, 'authorization'))
  if (!token) throw new UnauthorizedError('a bearer token for this tenant is required (POST /api/login)')
  return verifyApiToken(options.secret, token, { tenant: schema, nowMs: options.now() })
}
