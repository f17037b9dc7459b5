import { randomUUID } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { randomTokenSecret, tokenSecretFrom } from '../auth/api-token.ts'
import { UnauthorizedError } from '../auth/auth-errors.ts'
import { DEFAULT_CLIENT_LOGIN_RATE_LIMIT, DEFAULT_LOGIN_RATE_LIMIT, LoginRateLimiter, type RateLimit } from '../auth/login-rate-limiter.ts'
import { prepareLogin } from '../auth/tenant-login.ts'
import type { Dispatch, EventSink } from '../handlers/dispatch-types.ts'
import { InvalidInputError, SchemataError, toErrorEnvelope } from '../errors.ts'
import { ConsoleAuth, randomConsoleToken } from './console-auth.ts'
import { sendSignInPage, wantsHtml } from './console-sign-in-page.ts'
import { EventHub, refuseUpgrade } from './event-hub.ts'
import { HostPolicy } from './host-policy.ts'
import { ForbiddenError, HttpError, NotFoundError, errorReply, statusOf, writeJson } from './http-errors.ts'
import { type ApiRequestLogEntry, RequestLog, type RequestLogListener } from './request-log.ts'
import { handleRpc, rpcErrorReply } from './rpc-transport.ts'
import { handleTransfer } from './transfer-routes.ts'
import { DataExportDownloads } from './data-export-downloads.ts'
import type { ExportPort } from '../handlers/handler-types.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { type TenantApiResponse, sendTenantApiRequestTo } from './send-request.ts'
import { resolveStaticFile, sendStaticFile } from './static-files.ts'
import { type TenantApiBackend, handleTenantApi } from './tenant-api.ts'
import { splitTenantPath } from '../routing/resolve-tenant.ts'
import { SessionStore } from '../handlers/session-store.ts'
import { type SessionSource, parseWindowId } from './window-sessions.ts'

export interface SchemataServerOptions {
  /** The tenancy core (or any object with the same routing, scope and model members). */
  tenancy: TenantApiBackend
  /** The contract entry the console's RPC calls go to. */
  dispatch: Dispatch
  /** The tenancy core for the console's file transfers (export download, import upload); without it they are 404. */
  transfers?: Tenancy
  /**
   * Sessions by window id. Pass the dispatcher's SessionStore so handlers that
   * touch other windows' sessions (a drop clears the tenant everywhere) see
   * these; default: a bounded store of the server's own.
   */
  sessions?: SessionSource
  /** The built renderer (`out/renderer`). */
  rendererDir: string
  /** 0 picks a free port. */
  port: number
  /** Loopback only, by design: the console is an admin tool, not a network service. */
  host?: '127.0.0.1'
  /** HMAC secret for tenant API tokens; a random one per run by default. */
  tokenSecret?: Buffer | string
  /** The console token (serve and the app keep it in the data directory); a random one by default. */
  consoleToken?: string
  /** Lifetime of tenant API tokens (default 3600 s). */
  tokenTtlSeconds?: number
  /** Failed sign-ins allowed per tenant and email (default 5 per minute). */
  loginRateLimit?: RateLimit
  /** Failed sign-ins allowed per client address, over all accounts (default 30 per minute). */
  clientLoginRateLimit?: RateLimit
  /** Where tenant API requests are logged (default: the process's shared log). */
  requestLog?: RequestLog
  /** The clock for token expiry and rate limits. */
  now?: () => number
  /** Told about unexpected errors (default: stderr). */
  onError?: (error: unknown) => void
}

export interface SchemataServer {
  readonly host: '127.0.0.1'
  readonly port: number
  readonly consoleToken: string
  /** `http://localhost:PORT/?token=…` — what `schemata serve` prints first. */
  readonly consoleUrl: string
  /** `http://<schema>.localhost:PORT` */
  tenantUrl(schema: string): string
  /** Sends an event to every console tab. */
  readonly broadcast: EventSink
  /** `data/export` in browser mode: a one-time download link of this server (GET /export/<ticket>). */
  readonly dataExports: ExportPort
  recentRequests(limit?: number): ApiRequestLogEntry[]
  onRequestLogged(listener: RequestLogListener): () => void
  /** The Requests panel: sends a request with a typed Host to this server and reports what it resolved to. */
  sendTenantApiRequest(input: unknown): Promise<TenantApiResponse>
  /** Stops accepting, lets running requests finish (up to a few seconds), closes sockets. */
  close(): Promise<void>
}

const RPC_BODY_LIMIT = 1024 * 1024
const API_BODY_LIMIT = 64 * 1024
const CLOSE_GRACE_MS = 3000

function defaultOnError(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
  process.stderr.write(`schemata server: unexpected error: ${text}\n`)
}

function parseTarget(req: IncomingMessage): URL {
  const raw = req.url ?? '/'
  // Origin-form only: an absolute-form or `*` target has no business here.
  if (!raw.startsWith('/')) throw new InvalidInputError('path', 'must start with "/"')
  return new URL(raw, 'http://target.invalid')
}

function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/')
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error)
    server.once('error', onError)
    server.listen({ port, host }, () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}

/**
 * Starts the local HTTP server on 127.0.0.1: the admin console (static
 * renderer, RPC, events) on the bare host behind the per-run token, and the
 * tenant API on `/api/*` for tenant hosts and X-Tenant requests.
 */
export async function createSchemataServer(options: SchemataServerOptions): Promise<SchemataServer> {
  const host = options.host ?? '127.0.0.1'
  if (host !== '127.0.0.1') throw new RangeError('the Schemata server binds 127.0.0.1 only')
  const now = options.now ?? Date.now
  const onError = options.onError ?? defaultOnError
  const log = options.requestLog ?? new RequestLog()
  const secret = options.tokenSecret === undefined ? randomTokenSecret() : tokenSecretFrom(options.tokenSecret)
  const consoleToken = options.consoleToken ?? randomConsoleToken()
  if (consoleToken.length < 16) throw new RangeError('consoleToken must be at least 16 characters')
  const hub = new EventHub()
  const dataExports = new DataExportDownloads()
  // Ids come from clients, so the store is bounded (least recently used tabs start over).
  const sessions = options.sessions ?? new SessionStore({ capacity: 1000 })
  const limiter = new LoginRateLimiter(options.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT, now)
  const clientLimiter = new LoginRateLimiter(options.clientLoginRateLimit ?? DEFAULT_CLIENT_LOGIN_RATE_LIMIT, now)
  await prepareLogin()

  // Known once listening (port 0 picks one); no request can arrive before that.
  let policy: HostPolicy = new HostPolicy(options.port)
  let auth: ConsoleAuth = new ConsoleAuth(consoleToken, options.port)

  const apiOptions = {
    backend: options.tenancy,
    secret,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    limiter,
    clientLimiter,
    now,
    bodyLimit: API_BODY_LIMIT,
    onError,
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, url: URL, arrived: { at: number; clock: number }): Promise<void> {
    const { reply, resolution } = await handleTenantApi(req, url.pathname, apiOptions)
    const id = randomUUID()
    const entry: ApiRequestLogEntry = {
      id,
      time: new Date(arrived.at).toISOString(),
      method: req.method ?? '',
      host: (req.headers.host ?? '').slice(0, 300),
      path: url.pathname.slice(0, 500),
      tenant: resolution?.ok ? resolution.schema : null,
      via: resolution?.ok ? resolution.via : null,
      status: reply.status,
      ms: Math.round((performance.now() - arrived.clock) * 100) / 100,
    }
    // Logged before the response is written: whoever reads the response can find the entry.
    log.add(entry)
    writeJson(res, { ...reply, headers: { ...reply.headers, 'x-request-id': id } }, { head: req.method === 'HEAD' })
  }

  async function serveConsole(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rpc = url.pathname.startsWith('/rpc/')
    const refuse = (error: SchemataError): void => writeJson(res, rpc ? rpcErrorReply(error) : errorReply(error))
    if (!policy.isAllowedOrigin(req.headers.origin)) {
      refuse(new ForbiddenError(`origin "${req.headers.origin}" may not use this console`))
      return
    }
    if (rpc) {
      if (!auth.isAuthorized(req)) {
        refuse(new UnauthorizedError('the console token is required (open the URL `schemata serve` printed)'))
        return
      }
      const reply = await handleRpc(req, url.pathname.slice('/rpc/'.length), {
        dispatch: options.dispatch,
        sessions,
        hub,
        bodyLimit: RPC_BODY_LIMIT,
        onError,
      })
      writeJson(res, reply)
      return
    }
    if (url.pathname.startsWith('/transfer/')) {
      if (!auth.isAuthorized(req)) {
        refuse(new UnauthorizedError('the console token is required (open the URL `schemata serve` printed)'))
        return
      }
      if (!options.transfers) throw new NotFoundError('file transfers are not served here')
      await handleTransfer(req, res, url, options.transfers, hub)
      return
    }
    if (url.pathname.startsWith('/export/')) {
      if (!auth.isAuthorized(req)) {
        refuse(new UnauthorizedError('the console token is required (open the URL `schemata serve` printed)'))
        return
      }
      if (req.method !== 'GET') {
        refuse(new HttpError(405, 'INVALID_INPUT', 'method: downloads are GET', { field: 'method', headers: { allow: 'GET' } }))
        return
      }
      await dataExports.serve(url.pathname.slice('/export/'.length), res)
      return
    }
    if (url.pathname === '/events') {
      refuse(new HttpError(426, 'INVALID_INPUT', 'events: connect with a WebSocket', { headers: { upgrade: 'websocket' } }))
      return
    }
    const method = req.method ?? 'GET'
    if (method !== 'GET' && method !== 'HEAD') {
      refuse(new HttpError(405, 'INVALID_INPUT', `method: ${method} is not allowed here`, { field: 'method', headers: { allow: 'GET, HEAD' } }))
      return
    }
    // The printed link carries the token in the query: it is traded for the HttpOnly cookie and the browser is
    // sent on to the same address without it, so the token never reaches the page, its history or a screenshot.
    const queryToken = url.searchParams.get('token')
    if (queryToken !== null) {
      if (!auth.matches(queryToken)) {
        if (wantsHtml(req)) sendSignInPage(res, 'wrong', policy.port, { head: method === 'HEAD' })
        else refuse(new UnauthorizedError('wrong console token (`schemata serve --new-token` made a new one, or the link is from another data directory)'))
        return
      }
      url.searchParams.delete('token')
      res.writeHead(303, {
        location: `${url.pathname}${url.search}`,
        'set-cookie': auth.setCookieHeader(),
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'content-length': 0,
      })
      res.end()
      return
    }
    if (!auth.isAuthorized(req)) {
      if (wantsHtml(req)) sendSignInPage(res, 'missing', policy.port, { head: method === 'HEAD' })
      else refuse(new UnauthorizedError('the console token is required (open the URL `schemata serve` printed)'))
      return
    }
    const file = await resolveStaticFile(options.rendererDir, url.pathname)
    await sendStaticFile(res, file, { head: method === 'HEAD', csp: policy.contentSecurityPolicy() })
  }

  async function serveElsewhere(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Not the console's host: a tenant host gets a plain 404 (the console lives on the bare host only);
    // any other host is refused outright — it is how a DNS-rebinding page would arrive.
    const resolution = await options.tenancy.resolve({ host: req.headers.host })
    if (resolution.ok) {
      writeJson(res, errorReply(new NotFoundError(`not found: tenant hosts serve /api/* only; the console is at http://localhost:${policy.port}/`)))
      return
    }
    writeJson(res, errorReply(new ForbiddenError(`host "${req.headers.host ?? ''}" is not served here`)))
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = { at: Date.now(), clock: performance.now() }
    let url: URL
    try {
      url = parseTarget(req)
    } catch (error) {
      writeJson(res, errorReply(error))
      return
    }
    if (isApiPath(url.pathname) || (options.tenancy.routing.pathPrefix && splitTenantPath(url.pathname))) return serveApi(req, res, url, arrived)
    if (policy.isConsoleHost(req.headers.host)) return serveConsole(req, res, url)
    return serveElsewhere(req, res)
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (error: SchemataError): void => refuseUpgrade(socket, statusOf(error), toErrorEnvelope(error))
    try {
      const url = parseTarget(req)
      if (!policy.isConsoleHost(req.headers.host)) return refuse(new ForbiddenError(`host "${req.headers.host ?? ''}" is not served here`))
      if (url.pathname !== '/events') return refuse(new NotFoundError('WebSockets are served at /events only'))
      if (!policy.isAllowedOrigin(req.headers.origin)) {
        return refuse(new ForbiddenError(`origin "${req.headers.origin}" may not use this console`))
      }
      if (!auth.isAuthorized(req)) {
        return refuse(new UnauthorizedError('the console token is required'))
      }
      const windowId = parseWindowId(url.searchParams.get('window') ?? undefined, 'window')
      hub.accept(req, socket, head, windowId)
    } catch (error) {
      if (error instanceof SchemataError) return refuse(error)
      onError(error)
      socket.destroy()
    }
  }

  const server = createServer()
  server.headersTimeout = 20_000
  server.requestTimeout = 60_000
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!(error instanceof SchemataError)) onError(error)
      if (res.headersSent) {
        res.destroy()
        return
      }
      writeJson(res, errorReply(error))
    })
  })
  server.on('upgrade', upgrade)
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })

  const port = await listen(server, options.port, host)
  policy = new HostPolicy(port)
  auth = new ConsoleAuth(consoleToken, port)

  let closing: Promise<void> | undefined
  const instance: SchemataServer = {
    host,
    port,
    consoleToken,
    consoleUrl: `http://localhost:${port}/?token=${consoleToken}`,
    tenantUrl: (schema) => `http://${schema.replaceAll('_', '-')}.localhost:${port}`,
    broadcast: hub.broadcast,
    dataExports,
    recentRequests: (limit) => log.recent(limit),
    onRequestLogged: (listener) => log.onLogged(listener),
    sendTenantApiRequest: (input) => sendTenantApiRequestTo(port, log, input),
    close() {
      closing ??= new Promise<void>((resolve) => {
        hub.close()
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS)
        force.unref()
        server.close(() => {
          clearTimeout(force)
          resolve()
        })
        server.closeIdleConnections()
      })
      return closing
    },
  }
  return instance
}
