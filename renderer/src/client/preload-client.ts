import { ContractError, type CallInput, type CallName, type CallResult, type ContractEvents, type EventName, type SchemataClient } from '../../../contract/contract.ts'
import { readEnvelope } from './envelope.ts'

/** The shape the preload exposes as `window.schemata` (checked at runtime: it crosses a process boundary). */
interface PreloadApi {
  call(name: string, input: unknown): Promise<unknown>
  on(event: string, listener: (payload: unknown) => void): () => void
}

function isPreloadApi(value: unknown): value is PreloadApi {
  if (typeof value !== 'object' || value === null) return false
  const api = value as Record<string, unknown>
  return typeof api.call === 'function' && typeof api.on === 'function'
}

/**
 * Wraps the preload's `window.schemata` as a SchemataClient. Errors crossing
 * contextBridge lose their class, so a thrown envelope is rebuilt into a
 * ContractError here.
 */
export function preloadClient(api: unknown): SchemataClient {
  if (!isPreloadApi(api)) {
    throw new Error('window.schemata is present but does not expose call() and on(): the preload and the renderer disagree')
  }
  return {
    async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResult<N>> {
      try {
        return (await api.call(name, input)) as CallResult<N>
      } catch (error) {
        if (error instanceof ContractError) throw error
        const envelope = readEnvelope(error)
        if (envelope) throw new ContractError(envelope)
        throw new ContractError({ code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) })
      }
    },
    on<E extends EventName>(event: E, listener: (payload: ContractEvents[E]) => void): () => void {
      return api.on(event, listener as (payload: unknown) => void)
    },
  }
}
