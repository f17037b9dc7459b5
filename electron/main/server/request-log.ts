import type { ApiRequestLogEntry } from '../../../contract/types.ts'

export type { ApiRequestLogEntry }

export type RequestLogListener = (entry: ApiRequestLogEntry) => void

/** A fixed-size ring of recent tenant API requests, with listeners for a live view. */
export class RequestLog {
  private readonly ring: (ApiRequestLogEntry | undefined)[]
  private next = 0
  private size = 0
  private readonly listeners = new Set<RequestLogListener>()

  constructor(readonly capacity = 200) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer')
    this.ring = new Array<ApiRequestLogEntry | undefined>(capacity)
  }

  add(entry: ApiRequestLogEntry): void {
    this.ring[this.next] = entry
    this.next = (this.next + 1) % this.capacity
    this.size = Math.min(this.size + 1, this.capacity)
    for (const listener of this.listeners) {
      try {
        listener(entry)
      } catch (error) {
        // A broken listener (a closed window) must not fail the request that was logged.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  /** Newest first; at most `limit` entries. */
  recent(limit = this.capacity): ApiRequestLogEntry[] {
    const out: ApiRequestLogEntry[] = []
    for (let i = 1; i <= Math.min(limit, this.size); i++) {
      const entry = this.ring[(this.next - i + this.capacity) % this.capacity]
      if (entry) out.push(entry)
    }
    return out
  }

  find(id: string): ApiRequestLogEntry | undefined {
    return this.recent().find((entry) => entry.id === id)
  }

  /** Calls `listener` for every entry from now on; returns the unsubscribe function. */
  onLogged(listener: RequestLogListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}
