import { randomBytes } from 'node:crypto'
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'
import { UnauthorizedError } from './auth-errors.ts'

/**
 * What a tenant API token says: who signed in (the user and its token
 * version), to which tenant (its registry identity, not only its schema name),
 * until when. The request checks every one of these against the database.
 */
export interface ApiTokenClaims {
  /** Schema of the tenant the token was issued by (the audience); it is valid there only. */
  tenant: string
  /** The tenant's registry id: a tenant dropped and created again under the same schema name has another. */
  tenantId: string
  userId: number
  email: string
  /** The user's token_version at sign-in; sign-out bumps it. */
  version: number
  /** Expiry, seconds since the epoch. */
  exp: number
  /** Unique token id, for logs. */
  jti: string
}

const ISSUER = 'schemata'
const ALGORITHM = 'HS256'
const MAX_TOKEN_LENGTH = 4096

/** The audience of a tenant's tokens: a token for acme presented at globex fails verification itself. */
function audienceOf(schema: string): string {
  return `schemata-tenant:${schema}`
}

/** A fresh random signing secret (32 bytes, the size of HS256's output). */
export function randomTokenSecret(): Buffer {
  return randomBytes(32)
}

/** `toBuffer('…')` for injected secrets given as text. */
export function tokenSecretFrom(secret: Buffer | string): Buffer {
  const buffer = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
  if (buffer.length < 16) throw new RangeError('tokenSecret must be at least 16 bytes')
  return buffer
}

/** Signs claims as a JWT (HS256, jose); `issuedAt` in seconds since the epoch. */
export async function signApiToken(
  secret: Buffer,
  claims: Omit<ApiTokenClaims, 'jti'> & { jti?: string; issuedAt: number },
): Promise<string> {
  return new SignJWT({ tid: claims.tenantId, email: claims.email, ver: claims.version })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(audienceOf(claims.tenant))
    .setSubject(String(claims.userId))
    .setJti(claims.jti ?? randomBytes(12).toString('base64url'))
    .setIssuedAt(claims.issuedAt)
    .setExpirationTime(claims.exp)
    .sign(secret)
}

/**
 * Checks a token's signature, algorithm, issuer, expiry and tenant (audience).
 * Every failure is the same UnauthorizedError: a caller learns nothing about
 * which check failed. The claims must then still be checked against the
 * database (tenant identity, user, token version): see `authorizeTokenSql`.
 */
export async function verifyApiToken(secret: Buffer, token: string, expected: { tenant: string; nowMs: number }): Promise<ApiTokenClaims> {
  const refuse = (): never => {
    throw new UnauthorizedError('invalid or expired token')
  }
  if (token.length > MAX_TOKEN_LENGTH) refuse()
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await jwtVerify(token, secret, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: audienceOf(expected.tenant),
      currentDate: new Date(expected.nowMs),
      clockTolerance: 0,
      requiredClaims: ['sub', 'exp', 'jti', 'tid', 'ver'],
    }))
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return refuse()
    throw error
  }
  const userId = Number(payload.sub)
  const { tid, ver, email, exp, jti } = payload
  if (
    !Number.isSafeInteger(userId) ||
    typeof tid !== 'string' ||
    !/^\d{1,19}$/.test(tid) ||
    typeof ver !== 'number' ||
    !Number.isSafeInteger(ver) ||
    typeof email !== 'string' ||
    typeof exp !== 'number' ||
    typeof jti !== 'string'
  ) {
    return refuse()
  }
  return { tenant: expected.tenant, tenantId: tid, userId, email, version: ver, exp, jti }
}

/**
 * The statement that checks a verified token against the database, run inside
 * the tenant's scope as its first statement ($1 tenant id, $2 user id, $3
 * token version). `schemata.tenant_id` is set by schemata_enter_tenant from the
 * registry row it just looked up, so it is the identity of the tenant this
 * scope entered, not of whichever tenant once had this schema name.
 */
export const AUTHORIZE_TOKEN_SQL = `SELECT current_setting('schemata.tenant_id', true) = $1::text AS same_tenant,
       EXISTS (SELECT 1 FROM users WHERE id = $2::bigint AND token_version = $3::integer AND disabled_at IS NULL) AS user_ok`

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  const match = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i.exec(authorization)
  return match?.[1]
}
