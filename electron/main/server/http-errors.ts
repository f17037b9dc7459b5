import type { ServerResponse } from 'node:http'
import type { ErrorCode } from '../../../contract/types.ts'
import { RateLimitedError } from '../auth/auth-errors.ts'
import { isConnectionFailure, resourceShortage } from '../db/pg-error.ts'
import { DatabaseUnavailableError, SchemataError, toErrorEnvelope } from '../errors.ts'

/** An error whose HTTP status is not the one its code implies (413, 415, 405, 503). */
export class HttpError extends SchemataError {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: { field?: string; headers?: Record<string, string> } = {},
  ) {
    super(code, message, options.field === undefined ? undefined : { field: options.field })
    this.status = status
    this.headers = options.headers ?? {}
  }
}

/** A request refused for where it came from (Host, Origin), not for what it asked. */
export class ForbiddenError extends SchemataError {
  constructor(message: string) {
    super('FORBIDDEN', message)
  }
}

export class NotFoundError extends SchemataError {
  constructor(message = 'not found') {
    super('NOT_FOUND', message)
  }
}

/** The HTTP status of an error code: one table for the RPC transport and the tenant API. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_INPUT':
      return 400
    case 'UNAUTHORIZED':
      return 401
    case 'FORBIDDEN':
    case 'TENANT_SUSPENDED':
      return 403
    case 'TENANT_NOT_FOUND':
    case 'NOT_FOUND':
      return 404
    case 'CONFLICT':
    case 'MIGRATOR_BUSY':
    case 'NO_ACTIVE_TENANT':
      return 409
    case 'RATE_LIMITED':
      return 429
    case 'SQL_ERROR':
      return 422
    case 'CANCELLED':
      return 409
    case 'TIMEOUT':
      return 504
    case 'DATABASE_UNAVAILABLE':
      // Not the request's fault and not permanent: the database is down, not answering, or out of disk.
      return 503
    default:
      return 500
  }
}

/** A JSON answer not yet written: handlers return these so the server can log before it writes. */
export interface JsonReply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/**
 * Turns anything thrown into `{ error: { code, message, field? } }` with its
 * status. A database out of disk, memory or connections (SQLSTATE class 53)
 * or out of reach is 503 DATABASE_UNAVAILABLE saying which; other errors we
 * did not raise on purpose become INTERNAL with a fixed message: a
 * PostgreSQL error text is not for the public tenant API.
 */
export function errorReply(error: unknown): JsonReply {
  if (!(error instanceof SchemataError)) {
    const shortage = resourceShortage(error)
    if (shortage !== undefined) return errorReply(shortage)
    // The address and PostgreSQL's wording are not for the public API; that the database is away is.
    if (isConnectionFailure(error)) return errorReply(new DatabaseUnavailableError('the database is not reachable; try again later'))
    return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } }
  }
  const envelope = toErrorEnvelope(error)
  const headers: Record<string, string> = {}
  if (error instanceof HttpError) Object.assign(headers, error.headers)
  if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds)
  if (error.code === 'UNAUTHORIZED') headers['www-authenticate'] = 'Bearer'
  return { status: statusOf(error), body: { error: envelope }, headers }
}

/** The HTTP status of one of our errors. */
export function statusOf(error: SchemataError): number {
  return error instanceof HttpError ? error.status : httpStatusFor(error.code)
}

/** Headers every JSON answer carries. */
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const

/** Writes a reply; HEAD gets the headers only. */
export function writeJson(res: ServerResponse, reply: JsonReply, options: { head?: boolean } = {}): void {
  const text = JSON.stringify(reply.body)
  res.writeHead(reply.status, {
    ...JSON_HEADERS,
    ...reply.headers,
    'content-length': Buffer.byteLength(text),
  })
  res.end(options.head ? undefined : text)
}
