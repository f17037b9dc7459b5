import { randomBytes } from 'node:crypto'
import type { Tenancy } from '../tenancy/service.ts'
import { AccountDisabledError, UnauthorizedError } from './auth-errors.ts'
import { signApiToken } from './api-token.ts'
import type { LoginRateLimiter } from './login-rate-limiter.ts'
import { hashPassword, verifyPassword } from './password.ts'

export interface TenantLoginDeps {
  tenancy: Pick<Tenancy, 'withTenant'>
  secret: Buffer
  /** Failed sign-ins per tenant and email. */
  limiter: LoginRateLimiter
  /** Failed sign-ins per client, whatever account (omitted: no per-client limit). */
  clientLimiter?: LoginRateLimiter
  /** Who is signing in, for `clientLimiter`: the remote address. */
  clientKey?: string
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

interface UserRow {
  tenant_id: string | null
  id: string | null
  email: string | null
  password_hash: string | null
  token_version: number | null
  disabled: boolean | null
}

/**
 * Signs a user in to one tenant: the email is looked up in that tenant's own
 * `users` table (inside its scope, as its role), the password is checked with
 * scrypt outside the transaction so no pooled connection waits on it, and the
 * token names the tenant by its registry identity and carries the user's
 * token version. Unknown email and wrong password fail alike, in about the
 * same time; a disabled user with the right password is told so (403).
 */
export async function loginToTenant(
  deps: TenantLoginDeps,
  schema: string,
  credentials: { email: string; password: string },
): Promise<LoginResult> {
  const email = credentials.email.trim().toLowerCase()
  const key = `${schema}\u0000${email}`
  // The client first: one client spraying many accounts is stopped without locking those accounts.
  const clientKey = deps.clientKey ?? 'unknown'
  deps.clientLimiter?.begin(clientKey)
  deps.limiter.begin(key)
  const [user] = await deps.tenancy.withTenant(
    schema,
    (scope) =>
      // The tenant's registry id comes from the scope itself (schemata_enter_tenant), so it is this tenant's, now.
      scope.query<UserRow>(
        `SELECT current_setting('schemata.tenant_id', true) AS tenant_id, u.id::text AS id, u.email, u.password_hash,
                u.token_version, u.disabled_at IS NOT NULL AS disabled
           FROM (SELECT 1) AS one LEFT JOIN users u ON u.email = $1`,
        [email],
      ),
    { readOnly: true },
  )
  const found = user?.id != null && user.password_hash != null ? user : undefined
  const stored = found?.password_hash ?? (await hashForUnknownUsers())
  const matches = await verifyPassword(credentials.password, stored)
  if (!found || !matches) throw new UnauthorizedError(INVALID_CREDENTIALS)
  if (found.disabled) throw new AccountDisabledError()
  if (!found.tenant_id) throw new Error('schemata_enter_tenant did not set schemata.tenant_id (shared migration 0006 pending?)')
  deps.limiter.succeeded(key)
  // Only this attempt is forgiven: signing in to one's own account must not wipe a client's failures elsewhere.
  deps.clientLimiter?.forgiveOne(clientKey)
  const now = Math.floor(deps.now() / 1000)
  const exp = now + deps.ttlSeconds
  const token = await signApiToken(deps.secret, {
    tenant: schema,
    tenantId: found.tenant_id,
    userId: Number(found.id),
    email: found.email ?? email,
    version: found.token_version ?? 0,
    issuedAt: now,
    exp,
  })
  return { token, expiresAt: new Date(exp * 1000).toISOString() }
}
