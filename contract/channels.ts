import type { EventName } from './contract.ts'

/** The one invoke channel: `ipcRenderer.invoke(CALL_CHANNEL, name, input)` → CallOutcome. */
export const CALL_CHANNEL = 'schemata:call'

/** The one push channel: `webContents.send(EVENT_CHANNEL, event, payload)`. */
export const EVENT_CHANNEL = 'schemata:event'

/** The contract's event names at run time (ContractEvents is a type only); the check below keeps them complete. */
export const EVENT_NAMES = ['migrations/progress', 'tenants/changed', 'tenants/progress', 'db/status', 'requests/logged'] as const satisfies readonly EventName[]

// Compile-time: every EventName is listed.
type Missing = Exclude<EventName, (typeof EVENT_NAMES)[number]>
const complete: [Missing] extends [never] ? true : Missing = true
void complete

/** Whether an untrusted value names an event of the contract. */
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value)
}
