import { QueryClient } from '@tanstack/react-query'
import type { CallInput, CallName, TenantCallName } from '../../../contract/contract.ts'

/** The input of a tenant call without `tenant`: the hooks add the active tenant. */
export type TenantInput<N extends TenantCallName> = Omit<CallInput<N>, 'tenant'>

/** Cache keys: everything of a tenant under ['tenant', schema]; other calls under ['call', name]. */
export const queryKeys = {
  tenant: (schema: string) => ['tenant', schema] as const,
  tenantCall: (schema: string, name: TenantCallName, input: unknown) => ['tenant', schema, name, input] as const,
  call: (name: CallName, input?: unknown) => (input === undefined ? (['call', name] as const) : (['call', name, input] as const)),
}

/** The one QueryClient of a window: no automatic retries (an error is shown with a Retry button) and no refetch on focus (events keep lists fresh). */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, staleTime: 0 },
      mutations: { retry: false },
    },
  })
}

