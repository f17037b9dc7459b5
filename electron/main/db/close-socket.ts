import type pg from 'pg'

/**
 * Closes a client's socket at once. `end()` waits for the server's answer,
 * which a server that does not answer (frozen, or never there) never sends;
 * the socket is ours to close. Reaches into node-postgres' connection, which
 * its types do not declare.
 */
export function closeSocketNow(client: pg.Client): void {
  ;(client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
}
