import type { HealthProbe } from '../db/health-probe.ts'
import type { z } from 'zod'
import type { CallName, CallResult, Contract } from '../../../contract/contract.ts'
import type { ExportResult } from '../../../contract/data-browser.ts'
import type { ExportJob } from '../data-browser/data-browser.ts'
import type { DatabaseTarget } from '../db/connect.ts'
import type { Tenancy } from '../tenancy/service.ts'
import type { CallContext } from './dispatch-types.ts'
import type { SessionStore } from './session-store.ts'

/** What the contract handlers run against: the tenancy core, where the database is, and the open sessions. */
export interface ContractServices {
  tenancy: Tenancy
  target: DatabaseTarget
  sessions: SessionStore
  /** The local HTTP server's Requests-panel port, where one runs (`schemata serve`). */
  requests?: RequestsPort
  /** Where data exports go: a download from the local server (browser mode) or a save dialog (desktop). */
  exports?: ExportPort
  /** The shared readable tables in `public` (tenants may read them, never write them); default: the project's `sharedReadable`. */
  sharedReadable?: () => readonly string[]
  /** Whether the database answers (long-running processes probe it): calls fail fast instead of spinning while it does not. */
  health?: HealthProbe
}

/** Delivers a checked export: browser mode hands back a download URL; the desktop asks where to save it. */
export interface ExportPort {
  deliver(job: ExportJob): Promise<ExportResult>
}

/** What the Requests panel needs from the local HTTP server. */
export interface RequestsPort {
  send(input: ValidInput<'requests/send'>): Promise<CallResult<'requests/send'>>
  log(limit: number | undefined): CallResult<'requests/log'>
}

/** A call's input after its zod schema accepted it. */
export type ValidInput<N extends CallName> = z.output<Contract[N]['input']>

/** One contract call: a plain async function, transport-free. */
export type Handler<N extends CallName> = (
  input: ValidInput<N>,
  context: CallContext,
  services: ContractServices,
) => Promise<CallResult<N>>

/** Every call of the contract mapped to its handler; the compiler checks none is missing. */
export type HandlerTable = { [N in CallName]: Handler<N> }
