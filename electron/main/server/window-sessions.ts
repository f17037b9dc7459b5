import type { WindowSession } from '../handlers/dispatch-types.ts'
import { InvalidInputError } from '../errors.ts'

/** The header that names the browser tab making an RPC call. */
export const WINDOW_HEADER = 'x-schemata-window'

const WINDOW_ID = /^[A-Za-z0-9_-]{1,64}$/

/** Checks a window id from a header or query; `field` names where it came from. */
export function parseWindowId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(field, 'is required (a per-tab random id)')
  if (!WINDOW_ID.test(value)) throw new InvalidInputError(field, 'must be 1–64 characters of A–Z, a–z, 0–9, "_" or "-"')
  return value
}

/** Where the transport gets a tab's session; the contract's SessionStore is one (pass it, so handlers see the same sessions). */
export interface SessionSource {
  open(id: string): WindowSession
}
