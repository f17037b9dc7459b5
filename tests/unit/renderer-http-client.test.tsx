// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ContractError } from '../../contract/contract.ts'
import { consoleWindow, HttpSchemataClient } from '../../renderer/src/client/http-client.ts'
import { preloadClient } from '../../renderer/src/client/preload-client.ts'

afterEach(() => { vi.useRealTimers() })

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

class FakeSocket {
  static instances: FakeSocket[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  closed = false
  constructor(readonly url: string) {
    FakeSocket.instances.push(this)
  }
  close(): void {
    this.closed = true
  }
}

describe('HttpSchemataClient', () => {
  it('posts each call to /rpc/<name> with the window id and the input as JSON, signed in by the cookie alone', async () => {
    const fetch = vi.fn((_url: string, _init: RequestInit) => Promise.resolve(jsonResponse(200, { ok: true, result: { tenant: null } })))
    const client = new HttpSchemataClient({ origin: 'http://localhost:4780', windowId: 'w-1', fetch: fetch as unknown as typeof globalThis.fetch })
    await expect(client.call('tenants/switch', { schema: 'acme' })).resolves.toEqual({ tenant: null })
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('http://localhost:4780/rpc/tenants/switch')
    expect(init.method).toBe('POST')
    expect(init.body).toBe('{"schema":"acme"}')
    expect(init.headers).toEqual({ 'Content-Type': 'application/json', 'X-Schemata-Window': 'w-1' })
    expect(init.credentials).toBe('same-origin')
  })

  it('rebuilds an error envelope into a ContractError with code and field', async () => {
    const fetch = vi.fn(() =>
      Promise.resolve(jsonResponse(400, { ok: false, error: { code: 'INVALID_INPUT', message: 'schema: must match …', field: 'schema' } })),
    )
    const client = new HttpSchemataClient({ origin: 'http://x', windowId: 'w', fetch: fetch })
    const error: unknown = await client.call('tenants/create', { name: 'A', schema: 'Bad' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContractError)
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'schema', message: 'schema: must match …' })
  })

  it('turns a network failure or a non-JSON answer into a ContractError', async () => {
    const down = new HttpSchemataClient({
      origin: 'http://x',
      windowId: 'w',
      fetch: (() => Promise.reject(new TypeError('Failed to fetch'))),
    })
    await expect(down.call('db/status', {})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('Cannot reach') as unknown })
    const proxy = new HttpSchemataClient({
      origin: 'http://x',
      windowId: 'w',
      fetch: (() => Promise.resolve(new Response('<html>bad gateway</html>', { status: 401 }))),
    })
    await expect(proxy.call('db/status', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('delivers WebSocket frames to listeners and reconnects with backoff', async () => {
    vi.useFakeTimers()
    FakeSocket.instances = []
    const client = new HttpSchemataClient({
      origin: 'http://localhost:4780',
      windowId: 'w-9',
      WebSocket: FakeSocket as unknown as typeof WebSocket,
      fetch: vi.fn(),
      backoff: { initialMs: 100, maxMs: 1000 },
    })
    const states: string[] = []
    client.onConnectionState((s) => states.push(s))
    const changed = vi.fn()
    const unsubscribe = client.on('tenants/changed', changed)
    const first = FakeSocket.instances[0] as FakeSocket
    expect(first.url).toBe('ws://localhost:4780/events?window=w-9')
    first.onopen?.()
    first.onmessage?.({ data: JSON.stringify({ event: 'tenants/changed', payload: { reason: 'created' } }) })
    first.onmessage?.({ data: JSON.stringify({ event: 'db/status', payload: {} }) })
    expect(changed).toHaveBeenCalledWith({ reason: 'created' })
    expect(changed).toHaveBeenCalledTimes(1)

    first.onclose?.()
    expect(FakeSocket.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(FakeSocket.instances).toHaveLength(2)
    expect(states).toEqual(['connecting', 'open', 'closed', 'connecting'])

    unsubscribe()
    ;(FakeSocket.instances[1] as FakeSocket).onmessage?.({ data: JSON.stringify({ event: 'tenants/changed', payload: { reason: 'x' } }) })
    expect(changed).toHaveBeenCalledTimes(1)
    client.close()
    expect((FakeSocket.instances[1] as FakeSocket).closed).toBe(true)
  })
})

describe('consoleWindow', () => {
  it('keeps one window id per tab and never keeps a console token: one in the URL leaves it, an old stored one is erased', () => {
    const storage = new Map<string, string>([['schemata.token', 'left-by-an-earlier-version']])
    const store = {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    }
    const replaceState = vi.fn()
    const first = consoleWindow({ href: 'http://localhost:4780/?token=secret#migrations' }, { replaceState, state: null }, store)
    expect(first).toEqual({ windowId: expect.stringMatching(/^[0-9a-f-]{32,36}$/) as unknown })
    expect(replaceState).toHaveBeenCalledWith(null, '', '/#migrations')
    expect([...storage.values()]).not.toContain('secret')
    expect(storage.has('schemata.token')).toBe(false)

    const reload = consoleWindow({ href: 'http://localhost:4780/#migrations' }, { replaceState, state: null }, store)
    expect(reload).toEqual(first)
    expect(replaceState).toHaveBeenCalledTimes(1)
  })
})

describe('preloadClient', () => {
  it('rebuilds the plain envelope the preload rejects with', async () => {
    const client = preloadClient({
      // What the preload does: a plain envelope, since contextBridge strips an Error down to its message.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      call: () => Promise.reject({ code: 'TENANT_NOT_FOUND', message: 'no tenant with schema "x"', field: 'schema' }),
      on: () => () => undefined,
    })
    await expect(client.call('tenants/switch', { schema: 'x' })).rejects.toBeInstanceOf(ContractError)
    await expect(client.call('tenants/switch', { schema: 'x' })).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND', field: 'schema' })
  })

  it('refuses a bridge without call() and on()', () => {
    expect(() => preloadClient({})).toThrow(/does not expose/)
  })
})
