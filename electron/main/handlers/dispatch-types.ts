import type { ContractEvents, EventName } from '../../../contract/contract.ts'
import type { CallOutcome } from '../../../contract/types.ts'

export type { CallOutcome }

/** One window (Electron) or browser tab (browser mode): each has its own active tenant. */
export interface WindowSession {
  readonly id: string
  activeTenant: string | null
}

export type EventSink = <E extends EventName>(event: E, payload: ContractEvents[E]) => void

/** What a transport hands the dispatcher with each call. */
export interface CallContext {
  session: WindowSession
  /** Sends an event to the calling window only. */
  emit: EventSink
  /** Sends an event to every window. */
  broadcast: EventSink
}


/**
 * The transport-free entry of the contract: validates `name` and `input` (both
 * untrusted), runs the handler, and turns any error into an envelope. Never throws.
 */
export type Dispatch = (name: unknown, input: unknown, context: CallContext) => Promise<CallOutcome>
