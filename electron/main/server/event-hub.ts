import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer } from 'ws'
import type { EventSink } from '../handlers/dispatch-types.ts'
import type { ErrorEnvelope } from '../../../contract/types.ts'

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }

/** Answers a refused WebSocket upgrade with a plain HTTP error and the JSON envelope, then closes. */
export function refuseUpgrade(socket: Duplex, status: number, error: ErrorEnvelope): void {
  const body = JSON.stringify({ error })
  socket.on('error', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}

/**
 * The console's event channel: one WebSocket per browser tab at
 * `/events?window=<id>`. `emitTo(id)` reaches the sockets of that window id
 * (a reconnecting tab may briefly have two), `broadcast` reaches all. Frames
 * are JSON text `{"event": name, "payload": …}`; the server ignores what clients send.
 */
export class EventHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, clientTracking: false })
  private readonly windows = new Map<string, Set<WebSocket>>()
  private readonly heartbeat: NodeJS.Timeout

  constructor(heartbeatMs = 30_000) {
    // Pings keep idle connections alive through proxies and find dead peers.
    this.heartbeat = setInterval(() => this.ping(), heartbeatMs)
    this.heartbeat.unref()
  }

  /** Completes an upgrade already checked by the caller (host, origin, token, window id). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, windowId: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      let sockets = this.windows.get(windowId)
      if (!sockets) {
        sockets = new Set()
        this.windows.set(windowId, sockets)
      }
      sockets.add(ws)
      const alive = { value: true }
      aliveness.set(ws, alive)
      ws.on('pong', () => {
        alive.value = true
      })
      ws.on('error', () => ws.terminate())
      ws.on('close', () => {
        const set = this.windows.get(windowId)
        set?.delete(ws)
        if (set?.size === 0) this.windows.delete(windowId)
      })
    })
  }

  /** The sink for one window's `emit`. */
  emitTo(windowId: string): EventSink {
    return (event, payload) => {
      const sockets = this.windows.get(windowId)
      if (!sockets) return
      const frame = JSON.stringify({ event, payload })
      for (const ws of sockets) send(ws, frame)
    }
  }

  /** Sends an event to every connected window. */
  readonly broadcast: EventSink = (event, payload) => {
    const frame = JSON.stringify({ event, payload })
    for (const sockets of this.windows.values()) for (const ws of sockets) send(ws, frame)
  }

  /** Number of open sockets (for tests and status). */
  get connections(): number {
    let n = 0
    for (const sockets of this.windows.values()) n += sockets.size
    return n
  }

  /** Closes every socket with 1001 (going away). */
  close(): void {
    clearInterval(this.heartbeat)
    for (const sockets of this.windows.values()) for (const ws of sockets) ws.close(1001, 'server stopping')
    this.windows.clear()
    this.wss.close()
  }

  private ping(): void {
    for (const sockets of this.windows.values()) {
      for (const ws of sockets) {
        const alive = aliveness.get(ws)
        if (alive && !alive.value) {
          ws.terminate()
          continue
        }
        if (alive) alive.value = false
        ws.ping()
      }
    }
  }
}

const aliveness = new WeakMap<WebSocket, { value: boolean }>()

function send(ws: WebSocket, frame: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(frame)
}
