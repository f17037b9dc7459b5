/** The state of a client's event channel, for the "live" indicator. */
export type ConnectionState = 'connecting' | 'open' | 'closed'

/** Implemented by clients whose event channel can drop (the browser's WebSocket); Electron IPC cannot. */
export interface ConnectionStateSource {
  connectionState: () => ConnectionState
  /** Calls `listener` on every change; returns the unsubscribe function. */
  onConnectionState(listener: (state: ConnectionState) => void): () => void
}

/** Whether `client` reports its event channel's state. */
export function hasConnectionState(client: object): client is ConnectionStateSource {
  return (
    typeof (client as Partial<ConnectionStateSource>).onConnectionState === 'function' &&
    typeof (client as Partial<ConnectionStateSource>).connectionState === 'function'
  )
}
