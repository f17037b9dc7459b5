import type { EventName } from './contract.ts'

/** The one invoke channel: `ipcRenderer.invoke(CALL_CHANNEL, name, input)` → CallOutcome. */
export const CALL_CHANNEL = 'schemata:call'

/** The one push channel: `webContents.send(EVENT_CHANNEL, event, payload)`. */
export const EVENT_CHANNEL = 'schemata:event'

/** The contract's event names at run time (ContractEvents is a type only); the check below keeps them complete. */
export const EVENT_NAMES = ['migrations/progress', 'tenants/changed', 'tenants/progress', 'db/status', 'requests/logged', 'sql/fan-out'] as const satisfies readonly EventName[]

// Compile-time: every EventName is listed.
type Missing = Exclude<EventName, (typeof EVENT_NAMES)[number]>
const complete: [Missing] extends [never] ? true : Missing = true
void complete

/** Whether an untrusted value names an event of the contract. */
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value)
}

/** The native file dialogs (Electron only): `ipcRenderer.invoke(FILE_DIALOG_CHANNEL, request)` → a path or null. */
export const FILE_DIALOG_CHANNEL = 'schemata:file-dialog'

/** What the renderer may ask the native file dialog for: where to save an export, or which export to open. */
export type FileDialogRequest = { kind: 'save-export'; defaultName: string } | { kind: 'open-export' }

/** Checks an untrusted file-dialog request (it crosses a process boundary). */
export function isFileDialogRequest(value: unknown): value is FileDialogRequest {
  if (typeof value !== 'object' || value === null) return false
  const request = value as Record<string, unknown>
  if (request.kind === 'open-export') return true
  return request.kind === 'save-export' && typeof request.defaultName === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(request.defaultName)
}
