/**
 * Runs a refill in the background whenever kicked, one at a time: a kick
 * while one runs asks for one more run after it (a claim during a refill is
 * noticed), never for two at once. Failures are reported, not thrown: a pool
 * that cannot be refilled only means the next sign-up is a normal create.
 */
export class PoolKeeper {
  private running: Promise<void> | undefined
  private again = false
  private closed = false

  constructor(
    private readonly refill: (shouldStop: () => boolean) => Promise<unknown>,
    private readonly onError: (error: unknown) => void = (error) => console.error('[schemata] warm pool refill failed:', error),
  ) {}

  /** Asks for a refill soon. */
  kick(): void {
    if (this.closed) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = (async () => {
      do {
        this.again = false
        try {
          await this.refill(() => this.closed)
        } catch (error) {
          if (!this.closed) this.onError(error)
        }
      } while (this.again && !this.closed)
    })().finally(() => {
      this.running = undefined
    })
  }

  /** Resolves when no refill is running (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /** Stops refilling; waits for the schema being made, if any. */
  async close(): Promise<void> {
    this.closed = true
    await this.idle()
  }
}
