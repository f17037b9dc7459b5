import { useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query'
import { useCallback } from 'react'
import { ContractError, type CallInput, type CallName, type CallResult, type TenantCallName } from '../../../contract/contract.ts'
import { useClient } from '../client/client-context.tsx'
import { errorMessage } from '../lib/format.ts'
import { useWorkspace } from '../workspace.tsx'
import { queryKeys, type TenantInput } from './query-keys.ts'

/*
 * How views fetch: through TanStack Query, with keys that say whose data it
 * is. A tenant call's key starts with ['tenant', schema], and its input names
 * the same schema (the server refuses it with CONFLICT if the window has
 * switched since), so an answer can only ever be cached under — and shown
 * for — the tenant it was asked for. There is nothing to drop by hand: a slow
 * answer from the previous tenant lands in that tenant's cache entry.
 *
 *   const customers = useTenantQuery('data/customers/list', { search })   // the active tenant's
 *   const grid = useCallQuery('migrations/status', {})                    // not tenant-scoped
 *   const call = useTenantCall()  ; await call('data/customers/create', { name, email })
 */

/** What a view reads from a query. */
export interface ViewQuery<T> {
  data: T | undefined
  /** The failure as one line, or undefined. */
  error: string | undefined
  /** A request is under way (the first load, or a refresh while older data is shown). */
  loading: boolean
  /** Fetches again. */
  reload: () => void
}

function viewQuery<T>(query: { data: T | undefined; error: unknown; isFetching: boolean; refetch: () => Promise<unknown> }, hide: boolean, pending: boolean): ViewQuery<T> {
  return {
    data: hide ? undefined : query.data,
    error: hide || query.error === null ? undefined : errorMessage(query.error),
    loading: pending || query.isFetching,
    reload: () => void query.refetch(),
  }
}

/**
 * A call in the window's active tenant. Nothing is shown while a switch is
 * under way or when no tenant is active; after a switch the new tenant's
 * entry starts empty (loading), never with the previous tenant's rows.
 */
export function useTenantQuery<N extends TenantCallName>(name: N, input: TenantInput<N>, options: { enabled?: boolean } = {}): ViewQuery<CallResult<N>> {
  const client = useClient()
  const { active, switchingTo } = useWorkspace()
  const schema = switchingTo === null ? (active?.schema ?? null) : null
  const enabled = (options.enabled ?? true) && schema !== null
  const query = useQuery({
    queryKey: queryKeys.tenantCall(schema ?? '', name, input),
    queryFn: () => client.call(name, { ...input, tenant: schema } as CallInput<N>),
    enabled,
  })
  return viewQuery(query, schema === null, switchingTo !== null)
}

/** A call that is not tenant-scoped (the catalog, the migration grid, …), cached under its name and input. */
export function useCallQuery<N extends Exclude<CallName, TenantCallName>>(
  name: N,
  input: CallInput<N>,
  options: { enabled?: boolean; refetchInterval?: number } = {},
): ViewQuery<CallResult<N>> {
  const client = useClient()
  const query = useQuery({
    queryKey: queryKeys.call(name, input),
    queryFn: () => client.call(name, input),
    enabled: options.enabled ?? true,
    ...(options.refetchInterval === undefined ? {} : { refetchInterval: options.refetchInterval }),
  })
  return viewQuery(query, false, false)
}

/** Whether `error` is main refusing a call meant for a tenant the window has left. */
export function isTenantConflict(error: unknown): boolean {
  return error instanceof ContractError && error.code === 'CONFLICT' && error.field === 'tenant'
}

/**
 * A one-off tenant call (a write, a probe) for the active tenant as it is
 * when called; after it settles, that tenant's cached queries are refetched.
 * Throws what the call throws. When the window switched before the call
 * arrived, main refuses it (CONFLICT, nothing changed) and the window says so
 * too, since the form that made the call may be gone with the switch.
 */
export function useTenantCall(): <N extends TenantCallName>(name: N, input: TenantInput<N>) => Promise<CallResult<N>> {
  const client = useClient()
  const queryClient = useQueryClient()
  const { active, reportRefusedCall } = useWorkspace()
  const schema = active?.schema
  return useCallback(
    async <N extends TenantCallName>(name: N, input: TenantInput<N>): Promise<CallResult<N>> => {
      if (schema === undefined) throw new Error('no tenant is selected')
      try {
        return await client.call(name, { ...input, tenant: schema } as CallInput<N>)
      } catch (error) {
        if (isTenantConflict(error)) reportRefusedCall(schema)
        throw error
      } finally {
        void queryClient.invalidateQueries({ queryKey: queryKeys.tenant(schema) })
      }
    },
    [client, queryClient, schema, reportRefusedCall],
  )
}

/** Marks cached answers stale so whatever shows them fetches again (`key` is a prefix: ['tenant'] is every tenant's). */
export function useInvalidate(): (key: QueryKey) => Promise<void> {
  const queryClient = useQueryClient()
  return useCallback((key: QueryKey) => queryClient.invalidateQueries({ queryKey: key }), [queryClient])
}
