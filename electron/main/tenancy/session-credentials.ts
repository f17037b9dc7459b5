import type { Database } from '../db/database.ts'
import { randomPassword, scramVerifierAsync } from '../db/scram-verifier.ts'
import { allowTenantLoginSql, forbidTenantLoginSql } from '../db/tenant-sql.ts'

/** The longest a tenant-session password may live; `doctor` treats a LOGIN tenant role valid for longer as a finding. */
export const MAX_CREDENTIAL_TTL_MS = 3_600_000

/**
 * SCRAM iterations of a session password's verifier. The password is 192
 * random bits that never leave this process, so stretching it buys nothing,
 * while node-postgres repeats the stretching at every login: at PostgreSQL's
 * default of 4096 that is milliseconds of CPU per tenant, which a fan-out
 * over thousands of tenants pays thousands of times.
 */
const SESSION_SCRAM_ITERATIONS = 1

/**
 * How long a credential nobody uses any more stays valid before it is taken
 * back: revocations made close together leave in one message, and a tenant
 * used again meanwhile (the console's next statement) keeps its credential.
 */
const REVOKE_DELAY_MS = 50

/**
 * Short-lived passwords for tenant roles, so a tenant session can log in as
 * the tenant itself. A tenant role is NOLOGIN at rest; while this process has
 * a session open for it, it is `LOGIN` with a random password that expires
 * (`VALID UNTIL`) after `ttlMs`. When the last session of the role closes, the
 * role goes back to `NOLOGIN PASSWORD NULL`. A process that dies leaves at
 * most an expired password behind, which `doctor` reports and `--fix` clears.
 *
 * The password never leaves this process and never appears in SQL: the role
 * statement carries its SCRAM verifier. Another process opening sessions for
 * the same tenant replaces the password; a connection it already opened is
 * unaffected, and a new one that is refused gets a fresh credential (see
 * `forget`).
 *
 * Role statements made in the same tick leave together in one message, and
 * revocations wait a moment to join each other: a fan-out over many tenants
 * pays one round trip per batch, not per tenant. They commit without waiting
 * for the disk (synchronous_commit off): a change lost in a crash is a
 * password that expires anyway, or one never issued (the login is refused and
 * retried with a new one).
 */
export class SessionCredentials {
  private readonly live = new Map<string, { password: Promise<string>; expiresAt: number; users: number }>()
  private pending: PendingStatement[] = []
  private scheduled = false
  private readonly inflight = new Set<Promise<void>>()
  private chain: Promise<void> = Promise.resolve()
  private revokeTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ttlMs >= 10_000 && ttlMs <= MAX_CREDENTIAL_TTL_MS)) throw new RangeError(`credential lifetime must be 10 s to ${MAX_CREDENTIAL_TTL_MS} ms`)
  }

  /** A password `role` can log in with now; the role counts one more user until `release`. */
  async acquire(role: string): Promise<string> {
    let entry = this.live.get(role)
    // A credential about to expire is replaced rather than risked on a slow connect.
    if (entry === undefined || entry.expiresAt - this.now() < this.ttlMs / 4) {
      const expiresAt = this.now() + this.ttlMs
      entry = { password: this.issue(role, expiresAt), expiresAt, users: entry?.users ?? 0 }
      this.live.set(role, entry)
      const issued = entry
      issued.password.catch(() => {
        if (this.live.get(role) === issued) this.live.delete(role)
      })
    }
    entry.users++
    try {
      return await entry.password
    } catch (error) {
      entry.users--
      throw error
    }
  }

  /** One user of `role` is done; shortly after the last, the role cannot log in any more. */
  release(role: string): void {
    const entry = this.live.get(role)
    if (entry === undefined) return
    entry.users--
    if (entry.users > 0) return
    this.revokeTimer ??= setTimeout(() => this.revokeUnused(), REVOKE_DELAY_MS)
  }

  /** Takes back every credential whose last user is gone, in one message. */
  private revokeUnused(): void {
    this.revokeTimer = undefined
    for (const [role, entry] of this.live) {
      if (entry.users > 0) continue
      this.live.delete(role)
      void this.revoke(role).catch(() => undefined)
    }
  }

  /** The server refused the password (another process replaced it): the next `acquire` issues a new one. */
  forget(role: string): void {
    const entry = this.live.get(role)
    if (entry !== undefined) entry.expiresAt = 0
  }

  /** Revokes every credential this process still holds, and waits for role statements already queued. */
  async close(): Promise<void> {
    clearTimeout(this.revokeTimer)
    this.revokeTimer = undefined
    const roles = [...this.live.keys()]
    this.live.clear()
    for (const role of roles) void this.revoke(role).catch(() => undefined)
    await Promise.allSettled([...this.inflight])
  }

  private async issue(role: string, expiresAt: number): Promise<string> {
    const password = randomPassword()
    const verifier = await scramVerifierAsync(password, SESSION_SCRAM_ITERATIONS)
    await this.send(allowTenantLoginSql(role, verifier, new Date(expiresAt)))
    return password
  }

  private revoke(role: string): Promise<void> {
    return this.send(forbidTenantLoginSql(role))
  }

  /** Queues a role statement; those queued in the same tick go in one message, batches in order. */
  private send(statement: string): Promise<void> {
    const sent = new Promise<void>((resolve, reject) => {
      this.pending.push({ statement, resolve, reject })
      if (this.scheduled) return
      this.scheduled = true
      setImmediate(() => {
        this.scheduled = false
        const batch = this.pending.splice(0)
        this.chain = this.chain.then(() => this.runBatch(batch))
      })
    })
    this.inflight.add(sent)
    const settle = (): void => {
      this.inflight.delete(sent)
    }
    sent.then(settle, settle)
    return sent
  }

  private async runBatch(batch: PendingStatement[]): Promise<void> {
    try {
      // Several statements in one simple-protocol message: one implicit transaction, one round trip.
      await this.db.exec(['SET LOCAL synchronous_commit TO off', ...batch.map((entry) => entry.statement)].join(';\n'))
      for (const entry of batch) entry.resolve()
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error)
        return
      }
      // One of them failed (a tenant dropped meanwhile): each on its own, so the others still happen.
      for (const entry of batch) await this.db.exec(`SET LOCAL synchronous_commit TO off;\n${entry.statement}`).then(entry.resolve, entry.reject)
    }
  }
}

interface PendingStatement {
  statement: string
  resolve: () => void
  reject: (error: unknown) => void
}
