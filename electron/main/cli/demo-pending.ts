import { readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError } from '../errors.ts'
import type { Project } from '../project/project.ts'

/** The demo's folder for staged migrations (schemata.config.json lists it after migrations/tenant). */
const STAGED_FOLDER = path.join('migrations', 'staged')
const STAGED_FILE = /^9(\d{3})_demo_note_\d+\.sql$/

/** What `demo --pending` staged. */
export interface StagedMigration {
  name: string
  file: string
  /** The tenant type whose tenants now have it pending. */
  type: string
}

function migrationText(n: number): string {
  return `-- Staged by "schemata demo --pending" to show a rollout live: harmless, it adds
-- a nullable column nothing uses. The short sleep keeps each tenant's step
-- visible in the progress (it holds only this tenant's customers table).
-- migrate:up
ALTER TABLE customers ADD COLUMN demo_note_${n} text;
SELECT pg_sleep(0.3);

-- migrate:down
ALTER TABLE customers DROP COLUMN demo_note_${n};
`
}

/**
 * Writes the next harmless demo migration into the demo's staged folder
 * (9001_demo_note_1.sql, 9002_…), so every demo tenant has one pending. Only
 * the built-in demo project has that folder; another project is refused.
 */
export async function stagePendingMigration(project: Project): Promise<StagedMigration> {
  const type = project.tenantTypes.find((t) => t.name === project.defaultTenantType)
  const folder = type?.folders.find((f) => f.endsWith(`${path.sep}${STAGED_FOLDER}`))
  if (!project.builtin || type === undefined || folder === undefined) {
    throw new InvalidInputError('pending', 'stages a demo migration in the built-in demo project only (run it without --config or SCHEMATA_CONFIG)')
  }
  const taken = (await readdir(folder)).map((f) => STAGED_FILE.exec(f)?.[1]).filter((n) => n !== undefined).map(Number)
  const n = Math.max(0, ...taken) + 1
  if (n > 999) throw new InvalidInputError('pending', `${folder} holds 999 staged migrations already`)
  const name = `9${String(n).padStart(3, '0')}_demo_note_${n}`
  const file = path.join(folder, `${name}.sql`)
  // wx: never overwrite, even if another process staged the same number a moment ago.
  await writeFile(file, migrationText(n), { flag: 'wx' })
  return { name, file, type: type.name }
}
