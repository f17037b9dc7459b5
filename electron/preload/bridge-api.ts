import type { CallInput, CallName, CallResult, SchemataClient } from '../../contract/contract.ts'

/** `inspect/probe-cross-tenant` → `inspectProbeCrossTenant`, at the type level. */
export type MethodName<S extends string> = S extends `${infer Head}/${infer Tail}`
  ? `${MethodName<Head>}${Capitalize<MethodName<Tail>>}`
  : S extends `${infer Head}-${infer Tail}`
    ? `${Head}${Capitalize<MethodName<Tail>>}`
    : S

/** `inspect/probe-cross-tenant` → `inspectProbeCrossTenant`: the named method of a call. */
export function methodNameOf<N extends string>(call: N): MethodName<N> {
  return call.replace(/[/-]([a-z])/g, (_match, letter: string) => letter.toUpperCase()) as MethodName<N>
}

/** One named method per call; the input may be left out when every field is optional. */
export type SchemataMethods = {
  // `{} extends T` is exactly "T has no required field".
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  [N in CallName as MethodName<N>]: {} extends CallInput<N>
    ? (input?: CallInput<N>) => Promise<CallResult<N>>
    : (input: CallInput<N>) => Promise<CallResult<N>>
}

/**
 * `window.schemata` in Electron: the contract client (`call`, `on`) plus a
 * named method per call (`tenantsList()`, `tenantsSwitch({ schema })` …).
 * A failed call rejects with a plain `{ code, message, field? }` object — the
 * ErrorEnvelope — because contextBridge strips everything but the message from
 * an Error; the renderer's client rebuilds it into a ContractError.
 */
export type SchemataBridge = SchemataClient &
  SchemataMethods & {
    /** The native Save / Open dialog for tenant export files (Electron only): the chosen path, or null. */
    chooseFile(request: import('../../contract/channels.ts').FileDialogRequest): Promise<string | null>
  }
