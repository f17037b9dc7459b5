import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { TenantInfo, TenantListItem } from '../../contract/types.ts'
import { useClient } from './client/client-context.tsx'
import { errorMessage } from './lib/format.ts'

/*
 * What the whole window shares: the tenant list, the active tenant, and the
 * scope epoch. The epoch goes up when a switch starts (and again if it fails);
 * a view keeps an answer only if the epoch it asked in is still current, so a
 * slow answer from the previous tenant can never paint over the new one.
 */

export interface Workspace {
  tenants: TenantListItem[] | undefined
  tenantsError: string | undefined
  active: TenantInfo | null
  /** The schema a switch is under way to, if any. */
  switchingTo: string | null
  switchError: string | undefined
  epoch: number
  /** The current epoch, read at answer time (a ref, so it is never stale in a closure). */
  currentEpoch: () => number
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

/** Orders tenants as the sidebar shows them (and as Ctrl+1…9 count them): by name, then schema. */
export function sortTenants(tenants: readonly TenantListItem[]): TenantListItem[] {
  return [...tenants].sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.schema.localeCompare(b.schema))
}

export function WorkspaceProvider({ children }: { children: ReactNode }) {
  const client = useClient()
  const [tenants, setTenants] = useState<TenantListItem[] | undefined>(undefined)
  const [tenantsError, setTenantsError] = useState<string | undefined>(undefined)
  const [active, setActive] = useState<TenantInfo | null>(null)
  const [switchingTo, setSwitchingTo] = useState<string | null>(null)
  const [switchError, setSwitchError] = useState<string | undefined>(undefined)
  const [epoch, setEpoch] = useState(0)
  const epochRef = useRef(0)
  const listRequest = useRef(0)
  const currentEpoch = useCallback(() => epochRef.current, [])

  const bumpEpoch = useCallback(() => {
    epochRef.current += 1
    setEpoch(epochRef.current)
    return epochRef.current
  }, [])

  const reloadTenants = useCallback(async () => {
    const request = ++listRequest.current
    try {
      const list = await client.call('tenants/list', {})
      if (request !== listRequest.current) return
      setTenants(sortTenants(list))
      setTenantsError(undefined)
    } catch (error) {
      if (request !== listRequest.current) return
      setTenantsError(errorMessage(error))
    }
  }, [client])

  const activeRef = useRef<TenantInfo | null>(null)
  useEffect(() => {
    activeRef.current = active
  }, [active])

  const reloadActive = useCallback(async () => {
    const started = epochRef.current
    let tenant: TenantInfo | null
    try {
      tenant = (await client.call('tenants/active', {})).tenant
    } catch (error) {
      if (started === epochRef.current) setSwitchError(`Could not read the active tenant: ${errorMessage(error)}`)
      return
    }
    if (started !== epochRef.current) return
    const before = activeRef.current
    setActive(tenant)
    // Views reload only if the tenant went away or its status changed (suspended data calls are refused).
    if (before?.schema !== tenant?.schema || before?.status !== tenant?.status) bumpEpoch()
  }, [client, bumpEpoch])

  const switchTo = useCallback(
    async (schema: string) => {
      const mine = bumpEpoch()
      setSwitchingTo(schema)
      setSwitchError(undefined)
      try {
        const { tenant } = await client.call('tenants/switch', { schema })
        if (mine !== epochRef.current) return
        setActive(tenant)
        setSwitchingTo(null)
      } catch (error) {
        if (mine !== epochRef.current) return
        setSwitchingTo(null)
        setSwitchError(`Could not switch to ${schema}: ${errorMessage(error)}`)
        // The views were cleared for the switch; bring back the tenant we stayed on.
        bumpEpoch()
      }
    },
    [client, bumpEpoch],
  )

  useEffect(() => {
    void reloadTenants()
    const started = epochRef.current
    client.call('tenants/active', {}).then(
      ({ tenant }) => {
        if (started === epochRef.current) setActive(tenant)
      },
      (error: unknown) => setSwitchError(`Could not read the active tenant: ${errorMessage(error)}`),
    )
  }, [client, reloadTenants])

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

  // A fresher list shows the active tenant's new name or domains. (A tenant missing from the list proves
  // nothing — the list may predate a switch — so going away is left to reloadActive, which asks the server.)
  useEffect(() => {
    if (!tenants || !active || switchingTo) return
    const current = tenants.find((t) => t.schema === active.schema)
    if (current && (current.name !== active.name || current.domains.join() !== active.domains.join())) {
      setActive({ name: current.name, schema: current.schema, status: active.status, domains: current.domains, createdAt: current.createdAt })
    }
  }, [tenants, active, switchingTo])

  const value = useMemo<Workspace>(
    () => ({
      tenants,
      tenantsError,
      active,
      switchingTo,
      switchError,
      epoch,
      currentEpoch,
      switchTo,
      reloadTenants,
      reloadActive,
      dismissSwitchError: () => setSwitchError(undefined),
    }),
    [tenants, tenantsError, active, switchingTo, switchError, epoch, currentEpoch, switchTo, reloadTenants, reloadActive],
  )
  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>
}

export interface ScopedQuery<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
  reload: () => void
}

/**
 * Loads data of the active tenant: again whenever the tenant changes or `key`
 * does, never while a switch is under way, and keeping an answer only if
 * nothing newer was asked since (neither by this view nor by a switch).
 */
export function useScopedQuery<T>(
  load: () => Promise<T>,
  key: string,
  options: { enabled?: boolean; requireTenant?: boolean } = {},
): ScopedQuery<T> {
  const { epoch, currentEpoch, switchingTo, active } = useWorkspace()
  const enabled = (options.enabled ?? true) && (options.requireTenant === false || active !== null) && switchingTo === null
  const [state, setState] = useState<{ data: T | undefined; error: string | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: enabled,
  })
  const request = useRef(0)
  const loadRef = useRef(load)
  useLayoutEffect(() => {
    loadRef.current = load
  })
  const [nonce, setNonce] = useState(0)

  useEffect(() => {
    const mine = ++request.current
    if (!enabled) {
      setState({ data: undefined, error: undefined, loading: switchingTo !== null })
      return
    }
    const askedIn = currentEpoch()
    setState((previous) => ({ data: previous.data, error: undefined, loading: true }))
    loadRef.current().then(
      (data) => {
        if (mine === request.current && askedIn === currentEpoch()) setState({ data, error: undefined, loading: false })
      },
      (error: unknown) => {
        if (mine === request.current && askedIn === currentEpoch()) setState({ data: undefined, error: errorMessage(error), loading: false })
      },
    )
  }, [epoch, key, nonce, enabled, switchingTo, currentEpoch])

  // A new tenant never shows the previous tenant's rows, not even for one frame while it loads.
  const [shownEpoch, setShownEpoch] = useState(epoch)
  if (shownEpoch !== epoch) {
    setShownEpoch(epoch)
    setState({ data: undefined, error: undefined, loading: enabled || switchingTo !== null })
  }

  const reload = useCallback(() => setNonce((n) => n + 1), [])
  return { ...state, reload }
}
