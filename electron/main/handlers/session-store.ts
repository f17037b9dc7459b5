import type { WindowSession } from './dispatch-types.ts'

/**
 * The open windows (Electron) or browser sessions, each with its own active
 * tenant. Transports open a session when a window appears and close it when
 * the window goes; handlers use the store to reach sessions other than the
 * caller's (dropping a tenant clears it wherever it was active).
 */
export class SessionStore {
  private readonly sessions = new Map<string, WindowSession>()
  private readonly capacity: number

  /**
   * `capacity` bounds the store when session ids come from clients (browser
   * mode): past it, the least recently used session is forgotten and that tab
   * starts over with no active tenant. Unbounded by default (Electron windows).
   */
  constructor(options: { capacity?: number } = {}) {
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY
  }

  /** Returns the session with this id, creating it (with no active tenant) on first use. */
  open(id: string): WindowSession {
    let session = this.sessions.get(id)
    if (session !== undefined) {
      // A Map keeps insertion order: re-inserting marks the session most recently used.
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

  get(id: string): WindowSession | undefined {
    return this.sessions.get(id)
  }

  /** Forgets a session; its active tenant goes with it. */
  close(id: string): void {
    this.sessions.delete(id)
  }

  /** Clears `schema` as the active tenant of every session that had it; returns the ids of those sessions. */
  clearTenant(schema: string): string[] {
    const cleared: string[] = []
    for (const session of this.sessions.values()) {
      if (session.activeTenant === schema) {
        session.activeTenant = null
        cleared.push(session.id)
      }
    }
    return cleared
  }

  /** A tenant was renamed: sessions looking at it follow it to its new name. */
  renameTenant(from: string, to: string): void {
    for (const session of this.sessions.values()) if (session.activeTenant === from) session.activeTenant = to
  }

  get size(): number {
    return this.sessions.size
  }
}
