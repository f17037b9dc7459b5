import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { UnauthorizedError } from './auth-errors.ts'

/** What a tenant API token says: who signed in, to which tenant, until when. */
export interface ApiTokenClaims {
  /** Schema of the tenant the token was issued by; it is valid there only. */
  tenant: string
  userId: number
  email: string
  /** Expiry, seconds since the epoch. */
  exp: number
  /** Unique token id (for logs and a future revocation list). */
  jti: string
}

// Domain separation: a MAC made for anything else with the same secret never verifies as a token.
const MAC_CONTEXT = 'schemata-api-token:v1:'

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac('sha256', secret).update(MAC_CONTEXT).update(payload).digest()
}

/** A fresh random secret for one server run: tokens die with the process. */
export function randomTokenSecret(): Buffer {
  return randomBytes(32)
}

/** `toBuffer('…')` for injected secrets given as text. */
export function tokenSecretFrom(secret: Buffer | string): Buffer {
  const buffer = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
  if (buffer.length < 16) throw new RangeError('tokenSecret must be at least 16 bytes')
  return buffer
}

/** Signs claims as `<payload>.<mac>` (both base64url); HMAC-SHA256 over the encoded payload. */
export function signApiToken(secret: Buffer, claims: Omit<ApiTokenClaims, 'jti'> & { jti?: string }): string {
  const full: ApiTokenClaims = { ...claims, jti: claims.jti ?? randomBytes(12).toString('base64url') }
  const payload = Buffer.from(JSON.stringify(full), 'utf8').toString('base64url')
  return `${payload}.${mac(secret, payload).toString('base64url')}`
}

function isClaims(value: unknown): value is ApiTokenClaims {
  if (value === null || typeof value !== 'object') return false
  const c = value as Record<string, unknown>
  return (
    typeof c.tenant === 'string' &&
    typeof c.userId === 'number' &&
    Number.isSafeInteger(c.userId) &&
    typeof c.email === 'string' &&
    typeof c.exp === 'number' &&
    Number.isFinite(c.exp) &&
    typeof c.jti === 'string'
  )
}

/**
 * Checks a token's MAC, expiry and tenant. Every failure is the same
 * UnauthorizedError: a caller learns nothing about which check failed.
 */
export function verifyApiToken(secret: Buffer, token: string, expected: { tenant: string; nowMs: number }): ApiTokenClaims {
  const refuse = (): never => {
    throw new UnauthorizedError('invalid or expired token')
  }
  if (token.length > 4096) refuse()
  const dot = token.indexOf('.')
  if (dot <= 0 || dot !== token.lastIndexOf('.')) refuse()
  const payload = token.slice(0, dot)
  const given = Buffer.from(token.slice(dot + 1), 'base64url')
  const wanted = mac(secret, payload)
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) refuse()
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    // The MAC matched, so this is our own encoding gone wrong; still a refusal, not a 500.
    return refuse()
  }
  if (!isClaims(claims)) return refuse()
  if (claims.exp * 1000 <= expected.nowMs) refuse()
  // Bound to the tenant: a genuine acme token presented at globex is refused like a forged one.
  if (claims.tenant !== expected.tenant) refuse()
  return claims
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  const match = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i.exec(authorization)
  return match?.[1]
}
