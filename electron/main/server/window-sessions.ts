import type { WindowSession } from '../contract/dispatch-types.ts'
import { InvalidInputError } from '../errors.ts'

/** The header that names the browser tab making an RPC call. */
export const WINDOW_HEADER = 'x-schemata-window'

const WINDOW_ID = /^[A-Za-z0-9_-]{1,64}$/

/** Checks a window id from a header or query; `field` names where it came from. */
export function parseWindowId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(field, 'is required (a per-tab random id)')
  if (!WINDOW_ID.test(value)) throw new InvalidInputError(field, 'must be 1–64 characters of A–Z, a–z, 0–9, "_" or "-"')
  return value
}

/** Where the transport gets a tab's session; the contract's SessionStore is one (pass it, so handlers see the same sessions). */
export interface SessionSource {
  open(id: string): WindowSession
}

/**
 * One WindowSession per browser tab (its own active tenant), created on first
 * use. Ids come from clients, so the map is bounded: past `capacity` the least
 * recently used session is forgotten (that tab starts over with no active tenant).
 */
export class WindowSessions implements SessionSource {
  private readonly sessions = new Map<string, WindowSession>()

  constructor(private readonly capacity = 1000) {}

  open(id: string): WindowSession {
    let session = this.sessions.get(id)
    if (session) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.sessions.delete(id)
    } else {
      session = { id, activeTenant: null }
      if (this.sessions.size >= this.capacity) {
        const oldest = this.sessions.keys().next().value
        if (oldest !== undefined) this.sessions.delete(oldest)
      }
    }
    this.sessions.set(id, session)
    return session
  }

  get size(): number {
    return this.sessions.size
  }
}
