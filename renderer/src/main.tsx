import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import type { SchemataClient } from '../../contract/contract.ts'
import { App } from './app.tsx'
import { ClientProvider } from './client/client-context.tsx'
import { hasConnectionState, type ConnectionStateSource } from './client/connection-state.ts'
import { FileTransferProvider } from './client/file-transfer-context.tsx'
import type { FileTransfer } from './client/file-transfer.ts'
import { pickClient, pickFileTransfer } from './client/pick-client.ts'
import { ErrorBoundary } from './components/error-boundary.tsx'
import './styles/base.css'
import './styles/layout.css'
import './styles/components.css'
import './styles/views.css'

const container = document.getElementById('root')
if (!container) throw new Error('index.html has no #root element')

let client: SchemataClient | undefined
let connection: ConnectionStateSource | undefined
let transfer: FileTransfer | undefined
let startupError: unknown
try {
  const raw = pickClient(window)
  connection = hasConnectionState(raw) ? raw : undefined
  client = raw
  transfer = pickFileTransfer(window, raw)
} catch (error) {
  startupError = error
}

createRoot(container).render(
  <StrictMode>
    <ErrorBoundary>
      {client ? (
        <ClientProvider client={client} connection={connection}>
          <FileTransferProvider transfer={transfer}>
            <App />
          </FileTransferProvider>
        </ClientProvider>
      ) : (
        <div className="crash" role="alert">
          <h1>Schemata cannot start</h1>
          <pre className="crash__message">{startupError instanceof Error ? startupError.message : String(startupError)}</pre>
        </div>
      )}
    </ErrorBoundary>
  </StrictMode>,
)
