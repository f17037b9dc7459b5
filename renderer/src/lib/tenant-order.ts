import type { TenantListItem } from '../../../contract/types.ts'

/*
 * The order the sidebar lists tenants in, which Ctrl+1…9 and the colours
 * follow: creation order. A new tenant goes to the end, so creating "Hooli"
 * never moves Initech off Ctrl+3 (sorting by name did). Ties — tenants created
 * in the same instant — fall back to the schema, which never changes either.
 */

/** Tenants in creation order (oldest first), then by schema. */
export function sortTenants(tenants: readonly TenantListItem[]): TenantListItem[] {
  return [...tenants].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.schema.localeCompare(b.schema))
}

/** Whether the tenant's data is served from here (not archived, not moved away). */
export function isLive(tenant: Pick<TenantListItem, 'status'>): boolean {
  return tenant.status !== 'archived' && tenant.status !== 'moved'
}

/** How many tenants get a keyboard shortcut (Ctrl+1…9). */
export const SHORTCUT_COUNT = 9

/**
 * Each live tenant's place in the stable order (0-based): the first nine are
 * Ctrl+1…9, and the place picks the tenant's colour. A search does not change
 * it, so a filtered sidebar still shows each tenant's own number.
 */
export function tenantPlaces(sorted: readonly TenantListItem[]): Map<string, number> {
  const places = new Map<string, number>()
  for (const tenant of sorted) if (isLive(tenant)) places.set(tenant.schema, places.size)
  return places
}
