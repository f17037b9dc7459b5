import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { sharedMigrations } from '../../migrations/shared/index.ts'
import { tenantMigrations } from '../../migrations/tenant/index.ts'

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
