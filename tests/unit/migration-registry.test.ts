import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { MIGRATION_NAME, recordAppliedInline } from '../../electron/main/migrations/ledger-storage.ts'
import { registryMigrations } from '../../electron/main/tenancy/registry-migrations/index.ts'
import { demoProject } from '../fixtures/demo-project.ts'

// Schemata's own migrations are listed by hand so a bundled main process needs no glob; this keeps the list honest.
function registryFiles(): string[] {
  const dir = fileURLToPath(new URL('../../electron/main/tenancy/registry-migrations/', import.meta.url))
  return readdirSync(dir)
    .filter((file) => /^\d{4}_.*\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort()
}

describe('registry migrations', () => {
  it('lists every file of its folder, in order, under the file name', () => {
    expect(registryMigrations.map((m) => m.name)).toEqual(registryFiles())
  })
})

describe('the built-in demo project', () => {
  it('loads from the repository root: its tenant migrations are the SQL files of migrations/tenant, with checksums', () => {
    expect(demoProject.builtin).toBe(true)
    expect(demoProject.shared).toEqual([])
    expect(demoProject.tenantTypes.map((t) => t.name)).toEqual(['standard'])
    const tenant = demoProject.tenantTypes[0]?.migrations ?? []
    expect(tenant.map((m) => m.name)).toEqual(['0001_create_customers_orders', '0002_create_users', '0003_user_sign_out'])
    for (const m of tenant) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('migration names', () => {
  it('every shipped migration matches MIGRATION_NAME (the fleet writes ledger rows inline from them)', () => {
    for (const m of [...registryMigrations, ...(demoProject.tenantTypes[0]?.migrations ?? [])]) expect(m.name).toMatch(MIGRATION_NAME)
  })

  it('the inline ledger statement refuses a name outside the pattern instead of writing it into SQL', () => {
    expect(() => recordAppliedInline('acme', true, ["0001_x'); DROP TABLE tenants; --"])).toThrow(/does not match/)
    expect(recordAppliedInline('acme', true, ['0001_a', '0002_b'])).toBe(
      `INSERT INTO "acme"."schemata_migrations" (name) VALUES ('0001_a'), ('0002_b');\nINSERT INTO public.tenant_migrations (schema, name) VALUES ('acme', '0001_a'), ('acme', '0002_b')`,
    )
  })
})
