import { RateLimitedError } from './auth-errors.ts'

export interface RateLimit {
  /** Attempts allowed per window before refusals start. */
  max: number
  windowMs: number
}

export const DEFAULT_LOGIN_RATE_LIMIT: RateLimit = { max: 5, windowMs: 60_000 }

/** Per client (remote address): more than one account's worth, so a few users behind one address are not stopped. */
export const DEFAULT_CLIENT_LOGIN_RATE_LIMIT: RateLimit = { max: 30, windowMs: 60_000 }

/**
 * Sliding-window limit on sign-in attempts per key (tenant + email). An
 * attempt counts when it starts and is forgiven when it succeeds, so a burst
 * of parallel guesses cannot slip past the limit before the first one fails.
 */
export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>()

  constructor(
    private readonly limit: RateLimit = DEFAULT_LOGIN_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an attempt or throws RateLimitedError when the key has used up its window. */
  begin(key: string): void {
    const now = this.now()
    this.sweepIfLarge(now)
    const recent = (this.attempts.get(key) ?? []).filter((t) => t > now - this.limit.windowMs)
    if (recent.length >= this.limit.max) {
      this.attempts.set(key, recent)
      const oldest = recent[0] ?? now
      throw new RateLimitedError(Math.max(1, Math.ceil((oldest + this.limit.windowMs - now) / 1000)))
    }
    recent.push(now)
    this.attempts.set(key, recent)
  }

  /** A successful sign-in clears the key's failures. */
  succeeded(key: string): void {
    this.attempts.delete(key)
  }

  /** Forgets the latest attempt of the key only (it succeeded); earlier failures still count. */
  forgiveOne(key: string): void {
    const recent = this.attempts.get(key)
    recent?.pop()
    if (recent?.length === 0) this.attempts.delete(key)
  }

  private sweepIfLarge(now: number): void {
    // Keys are attacker-chosen (any email): keep the map from growing without bound.
    if (this.attempts.size < 10_000) return
    for (const [key, times] of this.attempts) {
      if ((times[times.length - 1] ?? 0) <= now - this.limit.windowMs) this.attempts.delete(key)
    }
  }
}
