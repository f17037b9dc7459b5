// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { gateScopedCalls } from '../../renderer/src/client/scope-gate.ts'
import { deferred, MemoryClient } from '../../renderer/src/testing/memory-client.ts'

const SEED = [
  { name: 'Acme', schema: 'acme' },
  { name: 'Globex', schema: 'globex' },
]

describe('gateScopedCalls', () => {
  it('holds a switch until the writes sent before it are done, so a row never lands in the next tenant', async () => {
    const memory = new MemoryClient(SEED)
    await memory.call('tenants/switch', { schema: 'acme' })
    const client = gateScopedCalls(memory)
    const slowWrite = deferred()
    const order: string[] = []
    memory.hold = (call) => {
      order.push(`${call.name}@${call.scope ?? '-'}`)
      return call.name === 'data/customers/create' ? slowWrite.promise : undefined
    }

    const created = client.call('data/customers/create', { name: 'Late', email: 'late@example.com' })
    const switched = client.call('tenants/switch', { schema: 'globex' })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(order).toEqual(['data/customers/create@acme'])
    slowWrite.release()
    await Promise.all([created, switched])
    expect(order).toEqual(['data/customers/create@acme', 'tenants/switch@acme'])
    await expect(client.call('data/customers/list', {})).resolves.toEqual([])
    memory.hold = undefined
    await memory.call('tenants/switch', { schema: 'acme' })
    expect((await memory.call('data/customers/list', {})).map((c) => c.name)).toEqual(['Late'])
  })

  it('holds scoped calls made during a switch until it is done', async () => {
    const memory = new MemoryClient(SEED)
    const client = gateScopedCalls(memory)
    const slowSwitch = deferred()
    memory.hold = (call) => (call.name === 'tenants/switch' ? slowSwitch.promise : undefined)
    const switched = client.call('tenants/switch', { schema: 'globex' })
    const listed = client.call('data/customers/list', {})
    const status = client.call('db/status', {})
    await status
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(memory.calls.map((c) => c.name).sort()).toEqual(['db/status', 'tenants/switch'])
    slowSwitch.release()
    await switched
    await listed
    expect(memory.calls.at(-1)).toMatchObject({ name: 'data/customers/list', scope: 'globex' })
  })

  it('keeps switches in the order they were made, even when one fails', async () => {
    const memory = new MemoryClient(SEED)
    const client = gateScopedCalls(memory)
    const results = await Promise.allSettled([
      client.call('tenants/switch', { schema: 'acme' }),
      client.call('tenants/switch', { schema: 'nope' }),
      client.call('tenants/switch', { schema: 'globex' }),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(memory.activeSchema()).toBe('globex')
  })
})
