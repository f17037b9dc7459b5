import { SchemataError } from '../errors.ts'

/** A missing, malformed, expired, tampered or foreign credential. The message never says which user or why in detail. */
export class UnauthorizedError extends SchemataError {
  constructor(message = 'a valid bearer token for this tenant is required') {
    super('UNAUTHORIZED', message)
  }
}

/** Too many failed attempts; `retryAfterSeconds` goes into the Retry-After header. */
export class RateLimitedError extends SchemataError {
  readonly retryAfterSeconds: number

  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', `too many failed sign-ins; try again in ${retryAfterSeconds} s`)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** The user exists and the password is right, but the account is disabled. */
export class AccountDisabledError extends SchemataError {
  constructor() {
    super('FORBIDDEN', 'this account is disabled; ask an admin of the tenant')
  }
}
