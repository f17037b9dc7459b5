import type { IncomingMessage } from 'node:http'
import { isCallName } from '../../../contract/contract.ts'
import type { Dispatch } from '../handlers/dispatch-types.ts'
import { SchemataError } from '../errors.ts'
import type { EventHub } from './event-hub.ts'
import { HttpError, NotFoundError, type JsonReply, errorReply, httpStatusFor } from './http-errors.ts'
import { readJsonBody } from './json-body.ts'
import { WINDOW_HEADER, type SessionSource, parseWindowId } from './window-sessions.ts'

export interface RpcDeps {
  dispatch: Dispatch
  sessions: SessionSource
  hub: EventHub
  bodyLimit: number
  onError: (error: unknown) => void
}

/** An RPC failure in the RPC's own shape: `{ ok: false, error }` with the error's status. */
export function rpcErrorReply(error: unknown): JsonReply {
  const reply = errorReply(error)
  return { ...reply, body: { ok: false, ...(reply.body as object) } }
}

/**
 * `POST /rpc/<call name>`: the JSON body is the call's input (an empty body
 * is `{}`), `X-Schemata-Window` names the tab whose session (active tenant)
 * the call runs in. 200 `{ ok: true, result }`, or `{ ok: false, error }`
 * with the status of the error's code.
 */
export async function handleRpc(req: IncomingMessage, name: string, deps: RpcDeps): Promise<JsonReply> {
  try {
    if (req.method !== 'POST') {
      throw new HttpError(405, 'INVALID_INPUT', `method: RPC calls are POST, not ${req.method ?? '?'}`, {
        field: 'method',
        headers: { allow: 'POST' },
      })
    }
    if (!isCallName(name)) throw new NotFoundError(`no contract call "${name}"`)
    const windowId = parseWindowId(req.headers[WINDOW_HEADER], 'X-Schemata-Window')
    const body = await readJsonBody(req, { limit: deps.bodyLimit, requireJsonType: true })
    const outcome = await deps.dispatch(name, body ?? {}, {
      session: deps.sessions.open(windowId),
      emit: deps.hub.emitTo(windowId),
      broadcast: deps.hub.broadcast,
    })
    if (outcome.ok) return { status: 200, body: { ok: true, result: outcome.result ?? null } }
    return { status: httpStatusFor(outcome.error.code), body: { ok: false, error: outcome.error } }
  } catch (error) {
    if (!(error instanceof SchemataError)) deps.onError(error)
    return rpcErrorReply(error)
  }
}
