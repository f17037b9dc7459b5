import { describe, expect, it, vi } from 'vitest'
import { CALL_NAMES, contract } from '../../contract/contract.ts'
import type { CallContext, CallOutcome } from '../../electron/main/handlers/dispatch-types.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import { handlers } from '../../electron/main/handlers/handlers.ts'
import type { ContractServices } from '../../electron/main/handlers/handler-types.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { InvalidInputError, SchemataError } from '../../electron/main/errors.ts'
import type { Tenancy } from '../../electron/main/tenancy/service.ts'

/** A tenancy whose every method fails the test if reached: validation must stop bad calls first. */
function untouchableTenancy(overrides: Partial<Record<keyof Tenancy, unknown>> = {}): Tenancy {
  return new Proxy(overrides, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target]
      throw new Error(`the handler reached tenancy.${String(key)}`)
    },
  }) as unknown as Tenancy
}

function setup(overrides: Partial<Record<keyof Tenancy, unknown>> = {}) {
  const sessions = new SessionStore()
  const services: ContractServices = {
    tenancy: untouchableTenancy(overrides),
    target: { mode: 'external', url: 'postgres://admin:secret@db.example:6543/app' },
    sessions,
  }
  const logUnexpected = vi.fn()
  const dispatch = createDispatcher(services, { logUnexpected })
  const context: CallContext = { session: sessions.open('w1'), emit: vi.fn(), broadcast: vi.fn() }
  return { dispatch, context, logUnexpected, sessions }
}

function expectFailure(outcome: CallOutcome): { code: string; message: string; field?: string } {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`)
  return outcome.error
}

describe('dispatcher: call names', () => {
  it('has a handler for every call of the contract and nothing else', () => {
    expect(Object.keys(handlers).sort()).toEqual([...CALL_NAMES].sort())
  })

  it.each([
    ['an unknown name', 'tenants/steal'],
    ['a prototype key', '__proto__'],
    ['an inherited method name', 'toString'],
    ['a number', 42],
    ['null', null],
    ['an object', { name: 'tenants/list' }],
  ])('refuses %s with INVALID_INPUT naming the call', async (_label, name) => {
    const { dispatch, context } = setup()
    const error = expectFailure(await dispatch(name, {}, context))
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'call' })
    expect(error.message).toMatch(/^call: .* is not a call of the contract$/)
  })

  it('cuts a long unknown name short in the message', async () => {
    const { dispatch, context } = setup()
    const error = expectFailure(await dispatch('x'.repeat(10_000), {}, context))
    expect(error.message.length).toBeLessThan(200)
  })
})

describe('dispatcher: input validation', () => {
  it.each<[string, unknown, string, string]>([
    ['tenants/create', { name: 1, schema: 'acme' }, 'name', 'name: must be a string'],
    ['tenants/create', { schema: 'acme' }, 'name', 'name: is required'],
    ['tenants/create', { name: 'x'.repeat(201), schema: 'acme' }, 'name', 'name: must be at most 200 characters'],
    ['tenants/create', { name: 'A', schema: 'acme', domains: ['a.example', 5] }, 'domains', 'domains: entry 2 must be a string'],
    ['tenants/create', { name: 'A', schema: 'acme', role: 'postgres' }, 'role', 'role: is not a field of this call'],
    ['tenants/list', { sneaky: true }, 'sneaky', 'sneaky: is not a field of this call'],
    ['tenants/switch', { schema: '' }, 'schema', 'schema: must not be empty'],
    ['tenants/switch', 'acme', 'input', 'input: must be an object'],
    ['tenants/switch', null, 'input', 'input: must be an object'],
    ['tenants/set-status', { schema: 'acme', status: 'deleted' }, 'status', 'status: must be one of "active", "suspended"'],
    ['data/customers/delete', { tenant: 'acme', id: 1.5 }, 'id', 'id: must be a whole number'],
    ['data/customers/delete', { tenant: 'acme', id: 0 }, 'id', 'id: must be greater than 0'],
    ['data/customers/delete', { tenant: 'acme', id: '7' }, 'id', 'id: must be a number'],
    ['data/orders/create', { tenant: 'acme', customerId: 1, amountCents: -1 }, 'amountCents', 'amountCents: must be at least 0'],
    ['data/customers/list', {}, 'tenant', 'tenant: is required'],
    ['inspect/session', { tenant: '' }, 'tenant', 'tenant: must not be empty'],
    ['migrations/run', { concurrency: 65 }, 'concurrency', 'concurrency: must be at most 64'],
    ['tenants/set-domains', { schema: 'acme', domains: Array.from({ length: 51 }, () => 'a.example') }, 'domains', 'domains: must have at most 50 items'],
  ])('%s %j → %s', async (name, input, field, message) => {
    const { dispatch, context } = setup()
    const error = expectFailure(await dispatch(name, input, context))
    expect(error).toEqual({ code: 'INVALID_INPUT', message, field })
  })

  it('treats a missing input as {} for calls without required fields', async () => {
    const { dispatch, context } = setup({ listTenants: () => Promise.resolve([]) })
    expect(await dispatch('tenants/list', undefined, context)).toEqual({ ok: true, result: [] })
  })

  it('validates every call: a stray field is refused by each one', async () => {
    const { dispatch, context } = setup()
    for (const name of CALL_NAMES) {
      const error = expectFailure(await dispatch(name, { 'not-a-field': 1 }, context))
      expect(error.code, name).toBe('INVALID_INPUT')
    }
  })

  it('hands the handler the parsed input, not the caller object', async () => {
    const seen: unknown[] = []
    const { dispatch, context } = setup({
      resolve: (input: unknown) => {
        seen.push(input)
        return Promise.resolve({ ok: false, reason: 'none', message: 'no host' })
      },
    })
    const input = { host: 'acme.localhost' }
    await dispatch('routing/resolve', input, context)
    expect(seen).toEqual([{ host: 'acme.localhost' }])
    expect(seen[0]).not.toBe(input)
  })

  it('has a zod schema for every call', () => {
    for (const name of CALL_NAMES) expect(typeof contract[name].input.safeParse).toBe('function')
  })
})

describe('dispatcher: errors become envelopes', () => {
  it('passes our errors through with code and field', async () => {
    const { dispatch, context, logUnexpected } = setup({
      getTenant: () => Promise.reject(new SchemataError('TENANT_NOT_FOUND', 'no tenant with schema "nope"', { field: 'schema' })),
    })
    const error = expectFailure(await dispatch('tenants/switch', { schema: 'nope' }, context))
    expect(error).toEqual({ code: 'TENANT_NOT_FOUND', message: 'no tenant with schema "nope"', field: 'schema' })
    expect(logUnexpected).not.toHaveBeenCalled()
  })

  it('refuses a data call without an active tenant before touching the database', async () => {
    const { dispatch, context } = setup({ withTenant: () => Promise.reject(new Error('must not be reached')), models: {} })
    for (const name of ['data/customers/list', 'data/orders/list', 'inspect/session'] as const) {
      const error = expectFailure(await dispatch(name, { tenant: 'acme' }, context))
      expect(error.code, name).toBe('NO_ACTIVE_TENANT')
    }
  })

  it('requires the drop confirmation to repeat the schema', async () => {
    const { dispatch, context } = setup()
    const error = expectFailure(await dispatch('tenants/drop', { schema: 'acme', confirm: 'acm' }, context))
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'confirm' })
    expect(error.message).toMatch(/^confirm: must repeat the schema name "acme"/)
  })

  it('turns an unexpected error into INTERNAL with its message only, and logs it in main', async () => {
    const boom = new Error('relation "tenants" does not exist')
    const { dispatch, context, logUnexpected } = setup({ listTenants: () => Promise.reject(boom) })
    const outcome = await dispatch('tenants/list', {}, context)
    expect(outcome).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'relation "tenants" does not exist' } })
    expect(JSON.stringify(outcome)).not.toContain('at ')
    expect(logUnexpected).toHaveBeenCalledWith('tenants/list', boom)
  })

  it('turns a thrown non-Error into INTERNAL', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point: something that is not an Error
    const { dispatch, context } = setup({ listTenants: () => Promise.reject(undefined) })
    expect(expectFailure(await dispatch('tenants/list', {}, context))).toEqual({ code: 'INTERNAL', message: 'undefined' })
  })

  it('reports a lost database connection as DATABASE_UNAVAILABLE', async () => {
    const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { name: 'SequelizeConnectionRefusedError' })
    const { dispatch, context, logUnexpected } = setup({ listTenants: () => Promise.reject(lost) })
    const error = expectFailure(await dispatch('tenants/list', {}, context))
    expect(error.code).toBe('DATABASE_UNAVAILABLE')
    expect(error.message).toContain('ECONNREFUSED')
    expect(logUnexpected).not.toHaveBeenCalled()
  })

  it('never throws, even when the handler throws synchronously', async () => {
    const { dispatch, context } = setup({
      listTenants: () => {
        throw new InvalidInputError('x', 'sync')
      },
    })
    await expect(dispatch('tenants/list', {}, context)).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  })
})
