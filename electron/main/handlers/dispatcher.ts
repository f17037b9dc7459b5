import { isCallName, type CallName } from '../../../contract/contract.ts'
import type { ErrorEnvelope } from '../../../contract/types.ts'
import { isConnectionFailure, resourceShortage } from '../db/pg-error.ts'
import { DatabaseUnavailableError, SchemataError, toErrorEnvelope } from '../errors.ts'
import type { CallContext, CallOutcome, Dispatch } from './dispatch-types.ts'
import type { ContractServices, Handler } from './handler-types.ts'
import { handlers } from './handlers.ts'
import { validateInput } from './input-validation.ts'

/** Called with every error that is not one of ours (it becomes INTERNAL on the wire); default: console.error. */
export type UnexpectedErrorLog = (name: CallName, error: unknown) => void

export interface DispatcherOptions {
  logUnexpected?: UnexpectedErrorLog
}

const defaultLog: UnexpectedErrorLog = (name, error) => {
  console.error(`[schemata] ${name} failed unexpectedly:`, error)
}

/**
 * The envelope for any thrown value. Ours carry code and field; a lost
 * connection or a database out of disk, memory or connections (SQLSTATE
 * class 53) becomes DATABASE_UNAVAILABLE; the rest is INTERNAL with the
 * message only — the stack and any attached detail stay in main.
 */
export function envelopeOf(error: unknown): { envelope: ErrorEnvelope; expected: boolean } {
  if (error instanceof SchemataError) return { envelope: toErrorEnvelope(error), expected: true }
  const shortage = resourceShortage(error)
  if (shortage !== undefined) return { envelope: toErrorEnvelope(shortage), expected: true }
  if (isConnectionFailure(error)) {
    return { envelope: toErrorEnvelope(new DatabaseUnavailableError(`database unavailable: ${error.message}`)), expected: true }
  }
  const { message } = toErrorEnvelope(error)
  return { envelope: { code: 'INTERNAL', message: message === '' ? 'internal error' : message }, expected: false }
}

function failure(envelope: ErrorEnvelope): CallOutcome {
  return { ok: false, error: envelope }
}

/** The answer to a name that is not a call of the contract (untrusted: quoted, cut short). */
export function unknownCallOutcome(name: unknown): CallOutcome {
  const shown = typeof name === 'string' ? `"${name.slice(0, 100)}"` : `a ${name === null ? 'null' : typeof name}`
  return failure({ code: 'INVALID_INPUT', message: `call: ${shown} is not a call of the contract`, field: 'call' })
}

/** Validates a call's name and input, runs its handler, and turns every failure into an envelope. */
export async function runCall(
  services: ContractServices,
  name: unknown,
  input: unknown,
  context: CallContext,
  log: UnexpectedErrorLog = defaultLog,
): Promise<CallOutcome> {
  if (!isCallName(name)) return unknownCallOutcome(name)
  try {
    const valid = validateInput(name, input)
    const handler = handlers[name] as Handler<CallName>
    const { health } = services
    // While the database does not answer, a call fails at once (and one in flight when it stops answering fails then) instead of spinning; db/status reports the outage itself.
    const result: unknown = health && name !== 'db/status' ? await health.whileResponding(() => handler(valid, context, services)) : await handler(valid, context, services)
    return { ok: true, result }
  } catch (error) {
    const { envelope, expected } = envelopeOf(error)
    if (!expected) log(name, error)
    return failure(envelope)
  }
}

/** The contract's entry point for a transport (IPC, HTTP): see `Dispatch`. */
export function createDispatcher(services: ContractServices, options: DispatcherOptions = {}): Dispatch {
  const log = options.logUnexpected ?? defaultLog
  return (name, input, context) => runCall(services, name, input, context, log)
}
