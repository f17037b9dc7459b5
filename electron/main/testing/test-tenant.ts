import { randomBytes } from 'node:crypto'
import type { TenantScope } from '../tenancy/scope.ts'
import type { Tenancy } from '../tenancy/service.ts'
import type { Tenant } from '../tenancy/tenant-registry.ts'

/** A throwaway tenant for one test. */
export interface TestTenant extends Tenant {
  /** Runs `fn` in this tenant's scope. */
  scoped<T>(fn: (scope: TenantScope) => Promise<T>): Promise<T>
  /** Drops the tenant; safe to call twice. */
  release(): Promise<void>
}

/**
 * Creates a tenant with a unique schema (`test_<hex>`) for one test — the
 * django-tenants `TenantTestCase` idea. It is a real tenant: its own schema,
 * role and migrated tables, so isolation is what production has.
 */
export async function createTestTenant(tenancy: Tenancy, options: { prefix?: string; name?: string } = {}): Promise<TestTenant> {
  const schema = `${options.prefix ?? 'test'}_${randomBytes(6).toString('hex')}`
  const tenant = await tenancy.createTenant({
    name: options.name ?? `Test tenant ${schema}`,
    schema,
    domains: [`${schema.replaceAll('_', '-')}.test.invalid`],
  })
  let released = false
  return {
    ...tenant,
    scoped: (fn) => tenancy.withTenant(schema, fn),
    async release() {
      if (released) return
      released = true
      await tenancy.dropTenant(schema)
    },
  }
}

/** Gives `fn` a throwaway tenant and drops it afterwards, whether `fn` passed or threw. */
export async function withTestTenant<T>(
  tenancy: Tenancy,
  fn: (tenant: TestTenant) => Promise<T>,
  options?: { prefix?: string; name?: string },
): Promise<T> {
  const tenant = await createTestTenant(tenancy, options)
  try {
    return await fn(tenant)
  } finally {
    await tenant.release()
  }
}
