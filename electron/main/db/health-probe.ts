import pg from 'pg'
import { DatabaseUnavailableError } from '../errors.ts'
import { closeSocketNow } from './close-socket.ts'
import { seconds, timeoutFromEnvironment } from './connect-timeout.ts'

/** Whether the database answers, and since when it has not. */
export type HealthState = { responding: true } | { responding: false; since: Date; reason: string }

export interface HealthProbeOptions {
  /** Where to probe; read at every (re)connect, so a retargeted pool is followed. */
  url: () => string
  /** Between probes. Default 1 s. */
  intervalMs?: number
  /** How long a probe may go unanswered before the database counts as not responding. Default 3 s. */
  timeoutMs?: number
  /** Every change of state (not every probe). */
  onChange?: (state: HealthState) => void
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 3_000

/**
 * A long-running process's view of whether PostgreSQL answers. A dead server
 * is the supervisor's business (its pid is gone); a frozen or wedged one keeps
 * its pid and its sockets, so every query on the pool just waits — the
 * console's switch spun forever and the status stayed green. The probe asks
 * `SELECT 1` on a connection of its own (never the pool's: a pool full of
 * stuck calls must not hide the answer) every second, and calls the database
 * not responding when one goes unanswered for `timeoutMs`; the first answer
 * after that is the recovery. Detection takes at most interval + timeout.
 */
export class HealthProbe {
  private current: HealthState = { responding: true }
  private client: pg.Client | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = true
  private readonly waiters = new Set<(state: HealthState) => void>()
  private readonly intervalMs: number
  readonly timeoutMs: number

  constructor(private readonly options: HealthProbeOptions) {
    this.intervalMs = options.intervalMs ?? 1_000
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS
  }

  get state(): HealthState {
    return this.current
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.schedule(0)
  }

  stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const client = this.client
    this.client = undefined
    if (!client) return Promise.resolve()
    if (!this.current.responding) {
      this.destroy(client)
      return Promise.resolve()
    }
    // A server that answers gets a proper goodbye (no "unexpected EOF" in its log); one that stops answering meanwhile is not waited for.
    return Promise.race([client.end().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, this.timeoutMs).unref())]).then(() => this.destroy(client))
  }

  /**
   * `work`, unless the database stops responding first: then a
   * DatabaseUnavailableError saying so (the work itself is left to finish or
   * fail on its own when the server wakes up; its outcome is ignored).
   * Refused at once while the database is already not responding.
   */
  async whileResponding<T>(work: () => Promise<T>): Promise<T> {
    if (!this.current.responding) throw notRespondingError(this.current)
    let waiter: ((state: HealthState) => void) | undefined
    const lost = new Promise<never>((_resolve, reject) => {
      waiter = (state) => {
        if (!state.responding) reject(notRespondingError(state))
      }
      this.waiters.add(waiter)
    })
    const running = work()
    running.catch(() => undefined)
    try {
      return await Promise.race([running, lost])
    } finally {
      if (waiter) this.waiters.delete(waiter)
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => void this.probe(), delayMs)
    // Probing alone must not keep the process alive.
    this.timer.unref()
  }

  private async probe(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const tooLate = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs)
    })
    const ask = (async () => {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.options.url(), connectionTimeoutMillis: this.timeoutMs, application_name: 'schemata health probe' })
        // A connection that breaks later surfaces as an 'error' event; the next probe notices it failing.
        client.on('error', () => undefined)
        this.client = client
        await client.connect()
      }
      await this.client.query('SELECT 1')
      return 'ok' as const
    })().catch(() => 'error' as const)
    const outcome = await Promise.race([ask, tooLate])
    clearTimeout(timer)
    if (this.stopped) return
    if (outcome === 'timeout') {
      // Whatever the connection was doing, it is no use now: the next probe starts afresh.
      this.drop()
      const reason = `no answer to a health check within ${seconds(this.timeoutMs)}`
      this.set({ responding: false, since: this.current.responding ? new Date() : this.current.since, reason })
    } else {
      // An error is an answer: a refused connection (a dead server is the
      // supervisor's to restart), too many clients, a failed login. Calls meet
      // it themselves with its own message; only silence is "not responding".
      if (outcome !== 'ok') this.drop()
      this.set({ responding: true })
    }
    this.schedule(this.intervalMs)
  }

  private drop(): void {
    const client = this.client
    this.client = undefined
    if (client) this.destroy(client)
  }

  private destroy(client: pg.Client): void {
    closeSocketNow(client)
    client.end().catch(() => undefined)
  }

  private set(next: HealthState): void {
    const changed = next.responding !== this.current.responding
    // While it stays down, keep the first `since` but the latest reason.
    this.current = next
    if (!changed) return
    for (const waiter of [...this.waiters]) waiter(next)
    this.options.onChange?.(next)
  }
}

/** What a call gets while (or because) the database does not answer. */
export function notRespondingError(state: { since: Date; reason: string }): DatabaseUnavailableError {
  return new DatabaseUnavailableError(`the database is not responding (${state.reason}; since ${state.since.toISOString()}); the call was not completed — it will work again once the server answers`)
}

export const HEALTH_TIMEOUT_ENV = 'SCHEMATA_HEALTH_TIMEOUT'

/** SCHEMATA_HEALTH_TIMEOUT in seconds (at most 600), else the default. */
export function healthTimeoutFromEnvironment(env: NodeJS.ProcessEnv): number {
  return timeoutFromEnvironment(env, HEALTH_TIMEOUT_ENV, DEFAULT_HEALTH_TIMEOUT_MS, 600)
}
