import { ContractError, type CallInput, type CallName, type CallResult, type ContractEvents, type EventName, type SchemataClient } from '../../../contract/contract.ts'
import type { ErrorCode } from '../../../contract/types.ts'
import type { ConnectionState, ConnectionStateSource } from './connection-state.ts'
import { readEnvelope } from './envelope.ts'

/*
 * The browser-mode client: each call is `POST /rpc/<name>` with the input as
 * JSON, events arrive over one WebSocket. The server keys the active tenant on
 * the X-Schemata-Window id, so two tabs can look at two tenants.
 */

export interface HttpClientOptions {
  /** Origin of the console server, e.g. `http://localhost:4780`. */
  origin: string
  /** This tab's id; each id has its own active tenant on the server. */
  windowId: string
  fetch?: typeof fetch
  WebSocket?: typeof WebSocket
  /** First and longest wait between WebSocket reconnects. */
  backoff?: { initialMs: number; maxMs: number }
}

type Listener = (payload: never) => void

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
  503: 'DATABASE_UNAVAILABLE',
}

export class HttpSchemataClient implements SchemataClient, ConnectionStateSource {
  private readonly options: Required<Omit<HttpClientOptions, 'fetch' | 'WebSocket'>>
  private readonly fetchImpl: typeof fetch
  private readonly WebSocketImpl: typeof WebSocket | undefined
  private readonly listeners = new Map<EventName, Set<Listener>>()
  private readonly stateListeners = new Set<(state: ConnectionState) => void>()
  private socket: WebSocket | undefined
  private state: ConnectionState = 'closed'
  private retryDelay: number
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private closed = false

  constructor(options: HttpClientOptions) {
    this.options = {
      origin: options.origin.replace(/\/+$/, ''),
      windowId: options.windowId,
      // The server is on this machine: after a restart, a tab should be back within about two seconds, not ten.
      backoff: options.backoff ?? { initialMs: 250, maxMs: 2_000 },
    }
    this.retryDelay = this.options.backoff.initialMs
    // `fetch` must be called with the global as `this` in browsers; binding keeps an injected one as it is.
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.WebSocketImpl = options.WebSocket ?? globalThis.WebSocket
  }

  async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResult<N>> {
    let response: Response
    try {
      response = await this.fetchImpl(`${this.options.origin}/rpc/${name}`, {
        method: 'POST',
        // The console token is the server's HttpOnly cookie: this page never sees it, the browser sends it.
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/json',
          'X-Schemata-Window': this.options.windowId,
        },
        body: JSON.stringify(input ?? {}),
      })
    } catch (error) {
      throw new ContractError({
        code: 'INTERNAL',
        message: `Cannot reach the Schemata server (${error instanceof Error ? error.message : String(error)})`,
      })
    }
    const body = await readJson(response)
    if (typeof body === 'object' && body !== null && 'ok' in body) {
      const reply = body as { ok: unknown; result?: unknown; error?: unknown }
      if (reply.ok === true) return reply.result as CallResult<N>
      const envelope = readEnvelope(reply.error)
      if (envelope) throw new ContractError(envelope)
    }
    throw new ContractError({
      code: STATUS_CODES[response.status] ?? 'INTERNAL',
      message:
        response.status === 401
          ? 'The console is not signed in (or its token was renewed): open the Console link that `schemata serve` printed.'
          : `Unexpected answer from the server to ${name} (HTTP ${response.status})`,
    })
  }

  on<E extends EventName>(event: E, listener: (payload: ContractEvents[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const entry = listener as Listener
    set.add(entry)
    this.ensureSocket()
    return () => {
      set.delete(entry)
    }
  }

  connectionState(): ConnectionState {
    return this.state
  }

  onConnectionState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener)
    return () => {
      this.stateListeners.delete(listener)
    }
  }

  /** Closes the event channel for good (tests, page unload). */
  close(): void {
    this.closed = true
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.socket?.close()
    this.socket = undefined
    this.setState('closed')
  }

  private ensureSocket(): void {
    if (this.closed || this.socket || this.retryTimer !== undefined || !this.WebSocketImpl) return
    const url = new URL('/events', this.options.origin)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    url.searchParams.set('window', this.options.windowId)
    this.setState('connecting')
    const socket = new this.WebSocketImpl(url.toString())
    this.socket = socket
    socket.onopen = () => {
      this.retryDelay = this.options.backoff.initialMs
      this.setState('open')
    }
    socket.onmessage = (message: MessageEvent) => this.deliver(message.data)
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = undefined
      this.setState('closed')
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (this.closed) return
    // Jitter keeps several tabs from reconnecting in lockstep after the server restarts.
    const delay = this.retryDelay * (0.75 + Math.random() * 0.5)
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.backoff.maxMs)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.ensureSocket()
    }, delay)
  }

  private deliver(data: unknown): void {
    if (typeof data !== 'string') return
    let frame: unknown
    try {
      frame = JSON.parse(data)
    } catch (error) {
      console.warn('schemata: ignored an event frame that is not JSON', error)
      return
    }
    if (typeof frame !== 'object' || frame === null) return
    const { event, payload } = frame as { event?: unknown; payload?: unknown }
    if (typeof event !== 'string') return
    const set = this.listeners.get(event as EventName)
    if (!set) return
    for (const listener of [...set]) {
      try {
        ;(listener as (payload: unknown) => void)(payload)
      } catch (error) {
        // One failing listener must not starve the others; the error still reaches the console.
        console.error(`schemata: a listener of "${event}" threw`, error)
      }
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return
    this.state = state
    for (const listener of [...this.stateListeners]) listener(state)
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    // Not JSON (a proxy's HTML error page, say): the caller reports the HTTP status instead.
    return undefined
  }
}

/** Where an earlier version kept the token (readable by page scripts); removed wherever it is found. */
const LEGACY_TOKEN_KEY = 'schemata.token'
const WINDOW_KEY = 'schemata.window'

/**
 * This tab's window id (one per tab, kept across reloads). The console token
 * is not the page's business: the server trades the printed link for an
 * HttpOnly cookie and redirects to the address without it. Should a token
 * still reach the address bar (an old bookmark on a proxy that swallowed the
 * redirect), it is taken out at once and not kept.
 */
export function consoleWindow(
  location: Pick<Location, 'href'>,
  history: Pick<History, 'replaceState' | 'state'>,
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
): { windowId: string } {
  const url = new URL(location.href)
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token')
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`)
  }
  storage.removeItem(LEGACY_TOKEN_KEY)
  let windowId = storage.getItem(WINDOW_KEY)
  if (!windowId) {
    windowId = randomId()
    storage.setItem(WINDOW_KEY, windowId)
  }
  return { windowId }
}

function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
