import { randomBytes } from 'node:crypto'
import type { Tenancy } from '../tenancy/service.ts'
import { UnauthorizedError } from './auth-errors.ts'
import { signApiToken } from './api-token.ts'
import type { LoginRateLimiter } from './login-rate-limiter.ts'
import { hashPassword, verifyPassword } from './password.ts'

export interface TenantLoginDeps {
  tenancy: Pick<Tenancy, 'withTenant' | 'models'>
  secret: Buffer
  limiter: LoginRateLimiter
  ttlSeconds: number
  now: () => number
}

export interface LoginResult {
  token: string
  /** ISO 8601. */
  expiresAt: string
}

/** The one answer to a wrong password and an unknown email alike. */
export const INVALID_CREDENTIALS = 'invalid email or password'

let dummyHash: Promise<string> | undefined

/** A hash with the real parameters, so checking a password against "no such user" costs what a real check costs. */
function hashForUnknownUsers(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('base64url'))
  return dummyHash
}

/** Computes the stand-in hash ahead of time, so even the first unknown-email sign-in takes no longer than a real one. */
export async function prepareLogin(): Promise<void> {
  await hashForUnknownUsers()
}

/**
 * Signs a user in to one tenant: the email is looked up in that tenant's own
 * `users` table (inside its scope, as its role), the password is checked with
 * scrypt outside the transaction so no pooled connection waits on it, and the
 * token is bound to the tenant. Unknown email and wrong password fail alike,
 * in about the same time.
 */
export async function loginToTenant(
  deps: TenantLoginDeps,
  schema: string,
  credentials: { email: string; password: string },
): Promise<LoginResult> {
  const email = credentials.email.trim().toLowerCase()
  const key = `${schema}\u0000${email}`
  deps.limiter.begin(key)
  const { User } = deps.tenancy.models
  const user = await deps.tenancy.withTenant(schema, () =>
    User.findOne({ where: { email }, attributes: ['id', 'email', 'passwordHash'] }),
    { readOnly: true },
  )
  const stored = user?.passwordHash ?? (await hashForUnknownUsers())
  const matches = await verifyPassword(credentials.password, stored)
  if (!user || !matches) throw new UnauthorizedError(INVALID_CREDENTIALS)
  deps.limiter.succeeded(key)
  const exp = Math.floor(deps.now() / 1000) + deps.ttlSeconds
  const token = signApiToken(deps.secret, { tenant: schema, userId: user.id, email: user.email, exp })
  return { token, expiresAt: new Date(exp * 1000).toISOString() }
}
