import { mkdtempSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it, inject } from 'vitest'
import { qualified } from '../../electron/main/db/sql.ts'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { archiveTenant, unarchiveTenant } from '../../electron/main/lifecycle/archive-tenant.ts'
import { cloneTenant } from '../../electron/main/lifecycle/clone-tenant.ts'
import { exportTenantToFile } from '../../electron/main/lifecycle/export-tenant.ts'
import { importTenantFromFile } from '../../electron/main/lifecycle/import-tenant.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * Issue 14 on a project with two tenant types (examples/helpdesk: enterprise
 * adds audit_log): an enterprise tenant keeps its type through export/import,
 * archive/unarchive and clone, with its type's migrations and checksums; a
 * file whose type this project does not declare is refused, naming it, and
 * nothing is created.
 */

let t: TestDatabase
const dir = mkdtempSync(path.join(path.resolve('.test-data'), 'lifecycle-types-'))
const HELPDESK = path.resolve('examples/helpdesk/schemata.config.json')

beforeAll(async () => {
  const project = await loadProject(HELPDESK)
  t = await createTestDatabase(inject('embeddedAdminUrl'), { project })
  await t.tenancy.createTenant({ name: 'Globex', schema: 'globex', type: 'enterprise' })
  await t.tenancy.withTenant('globex', (scope) => scope.query("INSERT INTO audit_log (action, ticket_id) VALUES ('insert', 1)"))
})

afterAll(async () => {
  await t?.drop()
  rmSync(dir, { recursive: true, force: true })
})

async function typeAndAudit(schema: string): Promise<{ type: string | undefined; auditRows: number | null }> {
  const type = (await t.tenancy.listTenants()).find((x) => x.schema === schema)?.type
  const auditLog = qualified(schema, 'audit_log')
  const [row] = await t.db.rows<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [auditLog])
  const auditRows = row?.exists ? ((await t.db.rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${auditLog}`))[0]?.n ?? 0) : null
  return { type, auditRows }
}

it('export records the tenant type and its migrations with checksums; import brings back an enterprise tenant', async () => {
  const file = path.join(dir, 'globex.tenant')
  const exported = await exportTenantToFile(t.db, file, { schema: 'globex', migrations: t.tenancy.migrations })
  expect(exported.manifest.tenant.type).toBe('enterprise')
  const enterprise = t.tenancy.migrationsOfType('enterprise')
  expect(exported.manifest.migrations.map((m) => m.name)).toEqual(enterprise.map((m) => m.name))
  expect(exported.manifest.migrations.every((m) => m.checksum !== null)).toBe(true)

  await importTenantFromFile(t.tenancy, file, { schema: 'globex_copy', name: 'Globex copy' })
  expect(await typeAndAudit('globex_copy')).toEqual({ type: 'enterprise', auditRows: 1 })
})

it('archive and unarchive keep an enterprise tenant enterprise', async () => {
  await t.tenancy.createTenant({ name: 'Hooli', schema: 'hooli', type: 'enterprise' })
  await archiveTenant(t.tenancy, { schema: 'hooli', dir })
  await unarchiveTenant(t.tenancy, { schema: 'hooli' })
  expect(await typeAndAudit('hooli')).toEqual({ type: 'enterprise', auditRows: 0 })
})

it('clone keeps the type', async () => {
  await cloneTenant(t.tenancy, { from: 'globex', schema: 'globex_clone', data: true })
  expect(await typeAndAudit('globex_clone')).toEqual({ type: 'enterprise', auditRows: 1 })
})

it('a file of a type this project does not declare is refused, naming the type, and nothing is made', async () => {
  const file = path.join(dir, 'globex-2.tenant')
  await exportTenantToFile(t.db, file, { schema: 'globex', migrations: t.tenancy.migrations })
  // The same database seen by a project that declares only the standard type.
  const project = await loadProject(HELPDESK)
  const standardOnly = new Tenancy(t.db, { project: { ...project, tenantTypes: project.tenantTypes.filter((type) => type.name === 'standard') } })
  const error = await importTenantFromFile(standardOnly, file, { schema: 'globex_three' }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidInputError)
  expect((error as Error).message).toMatch(/type "enterprise".*not declare|"enterprise" is not a tenant type/)
  expect((await t.tenancy.listTenants()).some((x) => x.schema === 'globex_three')).toBe(false)
  expect(await t.db.rows("SELECT 1 FROM pg_namespace WHERE nspname = 'globex_three'")).toEqual([])
})
