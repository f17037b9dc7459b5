import path from 'node:path'
import { afterAll, beforeAll, expect, it, inject } from 'vitest'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/* Issue 14: a swap of tenants of different types is refused, naming both types, and nothing changes. */

let t: TestDatabase

beforeAll(async () => {
  const project = await loadProject(path.resolve('examples/helpdesk/schemata.config.json'))
  t = await createTestDatabase(inject('embeddedAdminUrl'), { project })
  await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
  await t.tenancy.createTenant({ name: 'Globex', schema: 'globex', type: 'enterprise' })
  await t.tenancy.createTenant({ name: 'Initech', schema: 'initech' })
})

afterAll(() => t?.drop())

it('refuses to swap a standard and an enterprise tenant; nothing changes', async () => {
  const error = await t.tenancy.swapTenants('acme', 'globex').catch((e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidInputError)
  expect((error as Error).message).toMatch(/of type enterprise, "acme" of type standard/)
  const list = await t.tenancy.listTenants()
  expect(list.map((x) => [x.schema, x.name, x.type])).toEqual([
    ['acme', 'Acme', 'standard'],
    ['globex', 'Globex', 'enterprise'],
    ['initech', 'Initech', 'standard'],
  ])
  const audit = await t.db.rows<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'globex' AND tablename = 'audit_log'")
  expect(audit[0]?.n).toBe(1)
})

it('two tenants of one type still swap', async () => {
  await t.tenancy.swapTenants('acme', 'initech')
  const list = await t.tenancy.listTenants()
  expect(list.map((x) => [x.schema, x.type])).toContainEqual(['acme', 'standard'])
})
