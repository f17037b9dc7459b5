import { contextBridge, ipcRenderer } from 'electron'
import { CALL_NAMES, type EventName } from '../../contract/contract.ts'
import type { CallOutcome, ErrorEnvelope } from '../../contract/types.ts'
import { CALL_CHANNEL, EVENT_CHANNEL, FILE_DIALOG_CHANNEL, isEventName, isFileDialogRequest } from '../../contract/channels.ts'
import { methodNameOf } from './bridge-api.ts'

/*
 * The preload: runs sandboxed, bundled as CommonJS (a sandboxed preload cannot
 * load ES modules or node_modules). It exposes named functions only — never
 * ipcRenderer, which would let page code send on any channel.
 */

type Listener = (payload: unknown) => void
const listeners = new Map<EventName, Set<Listener>>()

ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (!isEventName(name)) return
  for (const listener of [...(listeners.get(name) ?? [])]) {
    try {
      listener(payload)
    } catch (error) {
      // One failing subscriber must not starve the others; the error still shows in the console.
      console.error(`[schemata] a listener for "${name}" threw`, error)
    }
  }
})

function rejectWith(envelope: ErrorEnvelope): Promise<never> {
  // A plain object survives contextBridge with code and field intact; an Error would arrive with its message only.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return Promise.reject({ ...envelope })
}

async function call(name: unknown, input: unknown): Promise<unknown> {
  let outcome: CallOutcome
  try {
    outcome = (await ipcRenderer.invoke(CALL_CHANNEL, name, input)) as CallOutcome
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    // Structured clone refuses functions, DOM nodes and the like before anything reaches main.
    if (/could not be cloned/i.test(message)) {
      return rejectWith({ code: 'INVALID_INPUT', message: 'input: must be plain data (no functions or DOM objects)', field: 'input' })
    }
    return rejectWith({ code: 'INTERNAL', message })
  }
  if (outcome.ok) return outcome.result
  return rejectWith(outcome.error)
}

function on(event: unknown, listener: unknown): () => void {
  if (!isEventName(event)) throw new TypeError(`schemata.on: "${String(event)}" is not an event of the contract`)
  if (typeof listener !== 'function') throw new TypeError('schemata.on: the listener must be a function')
  let set = listeners.get(event)
  if (set === undefined) {
    set = new Set()
    listeners.set(event, set)
  }
  // Keep the exact proxy we were given: the unsubscribe closure removes that one, whatever identity the bridge gives later.
  const entry = listener as Listener
  set.add(entry)
  return () => {
    listeners.get(event)?.delete(entry)
  }
}

const methods: Record<string, (input?: unknown) => Promise<unknown>> = {}
for (const name of CALL_NAMES) {
  methods[methodNameOf(name)] = (input?: unknown) => call(name, input ?? {})
}

/** The native Save / Open dialog for tenant export files: the chosen path, or null when cancelled. */
async function chooseFile(request: unknown): Promise<string | null> {
  if (!isFileDialogRequest(request)) throw new TypeError('schemata.chooseFile: not a file dialog request')
  const path = (await ipcRenderer.invoke(FILE_DIALOG_CHANNEL, request)) as unknown
  return typeof path === 'string' ? path : null
}

contextBridge.exposeInMainWorld('schemata', { call, on, chooseFile, ...methods })
