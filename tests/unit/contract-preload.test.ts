import { beforeAll, describe, expect, it, vi } from 'vitest'
import { CALL_NAMES } from '../../contract/contract.ts'
import type { CallOutcome } from '../../electron/main/handlers/dispatch-types.ts'
import type { SchemataBridge } from '../../electron/preload/bridge-api.ts'

/*
 * The preload against a stand-in for Electron's renderer-side modules: what it
 * exposes, and how calls, errors and events cross.
 */

const bridge = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn<(channel: string, name: unknown, input: unknown) => Promise<CallOutcome>>(),
  eventHandler: undefined as undefined | ((event: unknown, name: unknown, payload: unknown) => void),
  eventChannel: '',
}))

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => bridge.exposed.set(key, api) },
  ipcRenderer: {
    invoke: bridge.invoke,
    on: (channel: string, handler: (event: unknown, name: unknown, payload: unknown) => void) => {
      bridge.eventChannel = channel
      bridge.eventHandler = handler
    },
  },
}))

let api: SchemataBridge

beforeAll(async () => {
  await import('../../electron/preload/index.ts')
  api = bridge.exposed.get('schemata') as SchemataBridge
})

describe('preload', () => {
  it('exposes only `schemata`: call, on, chooseFile and one method per call — never ipcRenderer', () => {
    expect([...bridge.exposed.keys()]).toEqual(['schemata'])
    const keys = Object.keys(api).sort()
    expect(keys).toContain('call')
    expect(keys).toContain('on')
    expect(keys).toContain('chooseFile')
    expect(keys).toHaveLength(CALL_NAMES.length + 3)
    // Raw transport methods (ipcRenderer, send, invoke) must not leak; call-derived names like requestsSend are fine.
    expect(keys.some((key) => /^(ipc|send|invoke)|ipcrenderer/i.test(key))).toBe(false)
    for (const value of Object.values(api)) expect(typeof value).toBe('function')
  })

  it('invokes the one call channel and resolves with the result', async () => {
    bridge.invoke.mockResolvedValueOnce({ ok: true, result: [{ schema: 'acme' }] })
    await expect(api.tenantsList()).resolves.toEqual([{ schema: 'acme' }])
    expect(bridge.invoke).toHaveBeenLastCalledWith('schemata:call', 'tenants/list', {})
    bridge.invoke.mockResolvedValueOnce({ ok: true, result: { tenant: null } })
    await api.call('tenants/switch', { schema: 'globex' })
    expect(bridge.invoke).toHaveBeenLastCalledWith('schemata:call', 'tenants/switch', { schema: 'globex' })
  })

  it('chooseFile asks the file-dialog channel with a checked request, and refuses anything else', async () => {
    bridge.invoke.mockResolvedValueOnce('/home/me/acme.tenant' as never)
    const chooseFile = (api as unknown as { chooseFile: (request: unknown) => Promise<string | null> }).chooseFile
    await expect(chooseFile({ kind: 'save-export', defaultName: 'acme.tenant' })).resolves.toBe('/home/me/acme.tenant')
    expect(bridge.invoke).toHaveBeenLastCalledWith('schemata:file-dialog', { kind: 'save-export', defaultName: 'acme.tenant' })
    const calls = bridge.invoke.mock.calls.length
    await expect(chooseFile({ kind: 'save-export', defaultName: '../../etc/passwd' })).rejects.toThrow(/not a file dialog request/)
    await expect(chooseFile({ kind: 'delete-everything' })).rejects.toThrow(/not a file dialog request/)
    expect(bridge.invoke.mock.calls.length).toBe(calls)
  })

  it('rejects with the plain envelope (an Error would lose code and field on the bridge)', async () => {
    bridge.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'NO_ACTIVE_TENANT', message: 'no active tenant' } })
    const error: unknown = await api.dataCustomersList({ tenant: 'acme' }).catch((e: unknown) => e)
    expect(error).toEqual({ code: 'NO_ACTIVE_TENANT', message: 'no active tenant' })
    expect(error).not.toBeInstanceOf(Error)
  })

  it('turns an uncloneable input into INVALID_INPUT', async () => {
    bridge.invoke.mockRejectedValueOnce(new Error("Error: An object could not be cloned."))
    await expect(api.call('routing/resolve', { host: 'x' })).rejects.toEqual({
      code: 'INVALID_INPUT',
      message: 'input: must be plain data (no functions or DOM objects)',
      field: 'input',
    })
  })

  it('delivers events to subscribers until they unsubscribe, and ignores unknown ones', () => {
    expect(bridge.eventChannel).toBe('schemata:event')
    const seen: unknown[] = []
    const off = api.on('tenants/changed', (payload) => seen.push(payload))
    const broken = api.on('tenants/changed', () => {
      throw new Error('listener bug')
    })
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    bridge.eventHandler?.({}, 'tenants/changed', { reason: 'created' })
    bridge.eventHandler?.({}, 'not-an-event', { reason: 'x' })
    bridge.eventHandler?.({}, 'db/status', { running: true })
    off()
    broken()
    bridge.eventHandler?.({}, 'tenants/changed', { reason: 'dropped' })
    expect(seen).toEqual([{ reason: 'created' }])
    expect(consoleError).toHaveBeenCalledTimes(1)
    consoleError.mockRestore()
  })

  it('refuses to subscribe to an event the contract does not have', () => {
    expect(() => api.on('secrets' as 'db/status', () => undefined)).toThrow(/not an event of the contract/)
  })
})
