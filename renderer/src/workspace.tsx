import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { TenantInfo, TenantListItem } from '../../contract/types.ts'
import { useClient, useConnectionState } from './client/client-context.tsx'
import { queryKeys } from './data/query-keys.ts'
import { useDbStatus } from './db-status.tsx'
import { errorMessage } from './lib/format.ts'
import { sortTenants, tenantPlaces } from './lib/tenant-order.ts'
import { TenantColorsProvider } from './tenant-colors.tsx'

/*
 * What the whole window shares: the tenant list and the window's active
 * tenant. The server keeps the active tenant per window; this mirrors it.
 * Calls that change or read it (switch, active) go to the server one after
 * another, so they are handled in the order they were made even over HTTP,
 * where two requests can overtake each other — and the last answer is the
 * server's state. Views fetch through data/queries.ts, keyed by tenant.
 */

export interface Workspace {
  /** In the stable order (creation order, see lib/tenant-order.ts). */
  tenants: TenantListItem[] | undefined
  /** Each live tenant's place in that order: Ctrl+1…9 are places 0…8, and the place picks the colour. */
  places: ReadonlyMap<string, number>
  tenantsError: string | undefined
  active: TenantInfo | null
  /** The schema a switch is under way to, if any. */
  switchingTo: string | null
  switchError: string | undefined
  /** A call this window made for a tenant it had already switched away from, refused by the server (nothing was changed). */
  refusedCall: string | undefined
  /** Reports such a refusal: its form may be gone with the switch, so the window says it. */
  reportRefusedCall: (tenant: string) => void
  dismissRefusedCall: () => void
  switchTo: (schema: string) => Promise<void>
  reloadTenants: () => Promise<void>
  /** Refreshes the active tenant from the server (after it was suspended or dropped); never rejects. */
  reloadActive: () => Promise<void>
  dismissSwitchError: () => void
}

const WorkspaceContext = createContext<Workspace | null>(null)

export function useWorkspace(): Workspace {
  const workspace = useContext(WorkspaceContext)
  if (!workspace) throw new Error('useWorkspace() outside <WorkspaceProvider>')
  return workspace
}

export function WorkspaceProvider({ children }: { children: ReactNode }) {
  const client = useClient()
  const queryClient = useQueryClient()
  const list = useQuery({ queryKey: queryKeys.call('tenants/list'), queryFn: () => client.call('tenants/list', {}), select: sortTenants })
  const tenants = list.data
  const places = useMemo(() => tenantPlaces(tenants ?? []), [tenants])
  const [active, setActive] = useState<TenantInfo | null>(null)
  const [switchingTo, setSwitchingTo] = useState<string | null>(null)
  const [switchError, setSwitchError] = useState<string | undefined>(undefined)
  const [refusedCall, setRefusedCall] = useState<string | undefined>(undefined)

  // The window-state calls, one at a time; `requested` is the switch the user asked for last.
  const queue = useRef<Promise<unknown>>(Promise.resolve())
  const requested = useRef<string | null>(null)
  const activeRef = useRef<TenantInfo | null>(null)
  const serially = useCallback(<T,>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.current.then(fn, fn)
    queue.current = run.catch(() => undefined)
    return run
  }, [])

  /** The server says this window is on `tenant`: show it; the tenant's data is fetched again if it changed under us. */
  const confirm = useCallback(
    (tenant: TenantInfo | null, refetch: boolean) => {
      const before = activeRef.current
      activeRef.current = tenant
      setActive(tenant)
      if (refetch && tenant && (before?.schema !== tenant.schema || before.status !== tenant.status)) {
        void queryClient.invalidateQueries({ queryKey: queryKeys.tenant(tenant.schema) })
      }
    },
    [queryClient],
  )

  const reportRefusedCall = useCallback((tenant: string) => {
    setRefusedCall(`A request for ${tenant} was refused: this window had switched to another tenant before it arrived. Nothing was changed; switch back to ${tenant} to try again.`)
  }, [])

  const reloadTenants = useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: queryKeys.call('tenants/list') })
  }, [queryClient])

  const reloadActive = useCallback(
    () =>
      serially(async () => {
        try {
          const { tenant } = await client.call('tenants/active', {})
          // A switch asked for meanwhile is queued behind this and will have the last word.
          if (requested.current === null) confirm(tenant, true)
        } catch (error) {
          setSwitchError(`Could not read the active tenant: ${errorMessage(error)}`)
        }
      }),
    [client, serially, confirm],
  )

  const switchTo = useCallback(
    (schema: string) => {
      requested.current = schema
      setSwitchingTo(schema)
      setSwitchError(undefined)
      return serially(async () => {
        let outcome: { tenant: TenantInfo | null } | { error: unknown }
        try {
          outcome = await client.call('tenants/switch', { schema })
        } catch (error) {
          outcome = { error }
        }
        // Where the server has this window now: every switch that succeeded moved it.
        if ('tenant' in outcome) activeRef.current = outcome.tenant
        // Only the last switch asked for is shown; the ones it overtook in the user's mind just moved the server.
        if (requested.current !== schema) return
        requested.current = null
        setSwitchingTo(null)
        setActive(activeRef.current)
        if ('error' in outcome) setSwitchError(`Could not switch to ${schema}: ${errorMessage(outcome.error)}`)
      })
    },
    [client, serially],
  )

  useEffect(() => {
    void reloadActive()
  }, [reloadActive])

  /*
   * The server came back — `serve` restarted, or the network did. Its window
   * sessions live in memory, so it may have forgotten which tenant this tab
   * is on: say it again (a tenant dropped meanwhile is reported, not
   * guessed), then fetch everything anew, which also clears the errors the
   * outage left in the views.
   */
  const rejoin = useCallback(
    () =>
      serially(async () => {
        const schema = activeRef.current?.schema
        if (schema !== undefined && requested.current === null) {
          try {
            confirm((await client.call('tenants/switch', { schema })).tenant, false)
          } catch (error) {
            confirm(null, false)
            setSwitchError(`Could not go back to ${schema} after reconnecting: ${errorMessage(error)}`)
          }
        }
        void queryClient.invalidateQueries()
      }),
    [client, serially, confirm, queryClient],
  )
  const serverError = useDbStatus().error
  const connection = useConnectionState()
  const outage = useRef({ seenOpen: false, lost: false })
  useEffect(() => {
    const state = outage.current
    if (connection === 'open') state.seenOpen = true
    // A channel that has never been open is starting, not lost.
    if (serverError !== undefined || (connection === 'closed' && state.seenOpen)) {
      state.lost = true
      return
    }
    if (!state.lost || connection === 'connecting' || connection === 'closed') return
    state.lost = false
    void rejoin()
  }, [serverError, connection, rejoin])

  // Another window, the CLI or this one changed the registry: refresh the list (coalesced).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const unsubscribe = client.on('tenants/changed', () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = undefined
        void reloadTenants()
        // The server knows whether this window's tenant still exists; the list alone may be older than a switch.
        void reloadActive()
      }, 150)
    })
    return () => {
      unsubscribe()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [client, reloadTenants, reloadActive])

  useEffect(() => {
    if (!tenants) return
    // A dropped tenant's cached rows go with it (a tenant created later under the same schema starts empty).
    const schemas = new Set(tenants.map((t) => t.schema))
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] === 'tenant' && !schemas.has(String(query.queryKey[1])) })
  }, [tenants, queryClient])

  // A fresher list shows the active tenant's new name or domains. (A tenant missing from the list proves
  // nothing — the list may predate a switch — so going away is left to reloadActive, which asks the server.)
  useEffect(() => {
    if (!tenants || !active || switchingTo) return
    const current = tenants.find((t) => t.schema === active.schema)
    if (current && (current.name !== active.name || current.domains.join() !== active.domains.join())) {
      const renamed = { name: current.name, schema: current.schema, type: current.type, status: active.status, domains: current.domains, createdAt: current.createdAt }
      activeRef.current = renamed
      setActive(renamed)
    }
  }, [tenants, active, switchingTo])

  const value = useMemo<Workspace>(
    () => ({
      tenants,
      places,
      tenantsError: list.error === null ? undefined : errorMessage(list.error),
      active,
      switchingTo,
      switchError,
      refusedCall,
      reportRefusedCall,
      dismissRefusedCall: () => setRefusedCall(undefined),
      switchTo,
      reloadTenants,
      reloadActive,
      dismissSwitchError: () => setSwitchError(undefined),
    }),
    [tenants, places, list.error, active, switchingTo, switchError, refusedCall, reportRefusedCall, switchTo, reloadTenants, reloadActive],
  )
  return (
    <WorkspaceContext.Provider value={value}>
      <TenantColorsProvider places={places}>{children}</TenantColorsProvider>
    </WorkspaceContext.Provider>
  )
}
