import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { createTestTenant, withTestTenant } from '../../electron/main/testing/test-tenant.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
})
afterAll(() => t?.drop())

describe('withTestTenant', () => {
  it('gives each test a real, isolated, migrated tenant and removes it afterwards', async () => {
    let schema = ''
    await withTestTenant(t.tenancy, async (tenant) => {
      schema = tenant.schema
      expect(schema).toMatch(/^test_[0-9a-f]{12}$/)
      await tenant.scoped(async () => {
        await t.tenancy.models.Customer.create({ name: 'Only here', email: 'only@here.example' })
      })
      const names = await tenant.scoped(async () => (await t.tenancy.models.Customer.findAll()).map((c) => c.name))
      expect(names).toEqual(['Only here'])
    })
    expect(await t.db.rows('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([])
    expect((await t.tenancy.listTenants()).length).toBe(0)
  })

  it('removes the tenant even when the test body throws', async () => {
    let schema = ''
    await expect(
      withTestTenant(t.tenancy, (tenant) => {
        schema = tenant.schema
        return Promise.reject(new Error('test failed'))
      }),
    ).rejects.toThrow('test failed')
    expect(await t.db.rows('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([])
  })

  it('two test tenants never see each other', async () => {
    const [a, b] = await Promise.all([createTestTenant(t.tenancy), createTestTenant(t.tenancy)])
    await a.scoped(() => t.tenancy.models.Customer.create({ name: 'A row', email: 'a@a.example' }))
    const seenByB = await b.scoped(async () => t.tenancy.models.Customer.count())
    expect(seenByB).toBe(0)
    await Promise.all([a.release(), b.release(), a.release()])
  })
})
