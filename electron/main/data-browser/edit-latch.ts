import { SchemataError } from '../errors.ts'

/*
 * "Allow edits", per window and tenant. Off until the admin turns it on for a
 * tenant in that window, and never remembered beyond the window's session: a
 * console opened tomorrow, or another admin's window, starts read-only again.
 * Kept beside the session object rather than in it, so a session that goes
 * away takes its latches with it.
 */
const latches = new WeakMap<object, Set<string>>()

/** Whether edits are on for `tenant` in this window's session. */
export function editsAllowed(session: object, tenant: string): boolean {
  return latches.get(session)?.has(tenant) ?? false
}

/** Turns edits on or off for `tenant` in this window's session. */
export function setEditsAllowed(session: object, tenant: string, allow: boolean): void {
  let set = latches.get(session)
  if (!set) {
    set = new Set()
    latches.set(session, set)
  }
  if (allow) set.add(tenant)
  else set.delete(tenant)
}

/** Refuses a write unless this window turned edits on for the tenant. */
export function assertEditsAllowed(session: object, tenant: string): void {
  if (!editsAllowed(session, tenant)) {
    throw new SchemataError('FORBIDDEN', `editing is off for tenant "${tenant}": turn on “Allow edits” for it first`, { field: 'tenant' })
  }
}
