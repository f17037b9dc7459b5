import { act, render, type RenderResult } from '@testing-library/react'
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

/**
 * Waits until the console has settled: every call it made is answered (except
 * those the test holds) and React has rendered what they brought, over a few
 * quiet turns of the event loop (TanStack Query notifies its observers in a
 * timer). For a negative check — "X did not happen" — this replaces a sleep:
 * after it, nothing the console is waiting for can still change the screen.
 */
export async function settle(client: MemoryClient): Promise<void> {
  await act(async () => {
    for (let quiet = 0, turns = 0; quiet < 3; turns++) {
      if (turns > 1000) throw new Error(`the console never settled: ${client.busy()} call(s) still unanswered`)
      await new Promise((resolve) => setTimeout(resolve, 0))
      quiet = client.busy() === 0 ? quiet + 1 : 0
    }
  })
}
