import { render, type RenderResult } from '@testing-library/react'
import type { SchemataClient } from '../../../contract/contract.ts'
import { App } from '../app.tsx'
import { ClientProvider } from '../client/client-context.tsx'
import { MemoryClient, type SeedTenant } from './memory-client.ts'

/** The three demo tenants, each with customers of its own. */
export const DEMO_SEED: SeedTenant[] = [
  {
    name: 'Acme Corporation',
    schema: 'acme',
    customers: [
      { name: 'Wile E. Coyote', email: 'wile@desert.example' },
      { name: 'Road Runner Logistics', email: 'beep@roadrunner.example' },
    ],
  },
  { name: 'Globex Corporation', schema: 'globex', customers: [{ name: 'Hank Scorpio', email: 'hank@globex.example' }] },
  { name: 'Initech', schema: 'initech', customers: [{ name: 'Peter Gibbons', email: 'peter@initech.example' }] },
]

/** Renders the whole console over `client`, as main.tsx does. */
export function renderConsole(client: SchemataClient = new MemoryClient(DEMO_SEED)): RenderResult {
  return render(
    <ClientProvider client={client}>
      <App dbPollMs={{ fast: 10, slow: 60_000 }} />
    </ClientProvider>,
  )
}
