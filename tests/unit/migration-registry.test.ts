import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { sharedMigrations } from '../../migrations/shared/index.ts'
import { tenantMigrations } from '../../migrations/tenant/index.ts'
import { MIGRATION_NAME, recordAppliedInline } from '../../electron/main/migrations/ledger-storage.ts'

// Migrations are listed by hand so a bundled main process needs no glob; this keeps the list honest.
function filesIn(folder: string): string[] {
  const dir = fileURLToPath(new URL(`../../migrations/${folder}/`, import.meta.url))
  return readdirSync(dir)
    .filter((file) => /^\d{4}_.*\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort()
}

describe('static migration registry', () => {
  it.each([
    ['shared', sharedMigrations],
    ['tenant', tenantMigrations],
  ] as const)('%s: lists every file of its folder, in order, under the file name', (folder, list) => {
    expect(list.map((m) => m.name)).toEqual(filesIn(folder))
  })
})

describe('migration names', () => {
  it('every shipped migration matches MIGRATION_NAME (the fleet writes ledger rows inline from them)', () => {
    for (const m of [...sharedMigrations, ...tenantMigrations]) expect(m.name).toMatch(MIGRATION_NAME)
  })

  it('the inline ledger statement refuses a name outside the pattern instead of writing it into SQL', () => {
    expect(() => recordAppliedInline('acme', true, ["0001_x'); DROP TABLE tenants; --"])).toThrow(/does not match/)
    expect(recordAppliedInline('acme', true, ['0001_a', '0002_b'])).toBe(
      `INSERT INTO "acme"."schemata_migrations" (name) VALUES ('0001_a'), ('0002_b');\nINSERT INTO public.tenant_migrations (schema, name) VALUES ('acme', '0001_a'), ('acme', '0002_b')`,
    )
  })
})
