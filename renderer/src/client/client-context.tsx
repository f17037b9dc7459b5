import { createContext, useContext, useEffect, useState, type ReactNode } from 'react'
import type { SchemataClient } from '../../../contract/contract.ts'
import type { ConnectionState, ConnectionStateSource } from './connection-state.ts'

const ClientContext = createContext<SchemataClient | null>(null)
const ConnectionContext = createContext<ConnectionStateSource | undefined>(undefined)

/** Makes `client` the one every component below talks to; `connection` reports its event channel, where it can drop. */
export function ClientProvider({ client, connection, children }: { client: SchemataClient; connection?: ConnectionStateSource | undefined; children: ReactNode }) {
  return (
    <ClientContext.Provider value={client}>
      <ConnectionContext.Provider value={connection}>{children}</ConnectionContext.Provider>
    </ClientContext.Provider>
  )
}

/** The contract client of this window. */
export function useClient(): SchemataClient {
  const client = useContext(ClientContext)
  if (!client) throw new Error('useClient() outside <ClientProvider>')
  return client
}

/** The event channel's state, or undefined where it cannot drop (Electron IPC). */
export function useConnectionState(): ConnectionState | undefined {
  const source = useContext(ConnectionContext)
  const [state, setState] = useState<ConnectionState | undefined>(() => source?.connectionState())
  useEffect(() => {
    if (!source) return
    setState(source.connectionState())
    return source.onConnectionState(setState)
  }, [source])
  return state
}
