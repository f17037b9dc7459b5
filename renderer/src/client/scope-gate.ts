import type { CallInput, CallName, CallResult, ContractEvents, EventName, SchemataClient } from '../../../contract/contract.ts'

/*
 * The server keeps each window's active tenant, and data calls carry no tenant
 * of their own. Over HTTP, two requests sent one after the other can still be
 * handled in the other order, so a customer added just before a switch could
 * land in the tenant switched to. The gate orders them on this side:
 *   - a switch waits for every scoped write already sent, and for the switch before it;
 *   - a scoped call (data/*, inspect/*) sent while a switch is under way waits for it.
 * Reads that were already in flight are not waited for: the views drop their
 * answers by epoch (see workspace.tsx), which is cheaper than delaying the switch.
 */

const WRITE = /^data\/.+\/(create|update|delete)$/

function isScoped(name: CallName): boolean {
  return name.startsWith('data/') || name.startsWith('inspect/')
}

/** Wraps `client` so tenant switches and scoped calls reach the server in the order they were made. */
export function gateScopedCalls(client: SchemataClient): SchemataClient {
  let switching: Promise<unknown> = Promise.resolve()
  const writes = new Set<Promise<unknown>>()

  return {
    call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResult<N>> {
      if (name === 'tenants/switch') {
        const before = Promise.allSettled([switching, ...writes])
        const result = before.then(() => client.call(name, input))
        switching = result.catch(() => undefined)
        return result
      }
      if (!isScoped(name)) return client.call(name, input)
      const result = switching.then(() => client.call(name, input))
      if (WRITE.test(name)) {
        const settled = result.catch(() => undefined)
        writes.add(settled)
        void settled.then(() => writes.delete(settled))
      }
      return result
    },
    on<E extends EventName>(event: E, listener: (payload: ContractEvents[E]) => void): () => void {
      return client.on(event, listener)
    },
  }
}
