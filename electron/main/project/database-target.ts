import { createHash } from 'node:crypto'
import { homedir } from 'node:os'
import path from 'node:path'
import type { DatabaseTarget } from '../db/connect.ts'
import { connectTimeoutFromEnvironment } from '../db/connect-timeout.ts'
import { defaultDataDir } from '../db/data-dir.ts'
import { ProjectConfigError } from './config-error.ts'
import { displayPath } from './display-path.ts'
import type { Project } from './project.ts'

/**
 * The embedded data root of a project that names none: the built-in demo
 * keeps the app's own data folder (as before projects existed); any other
 * project gets a folder of its own beside it, named after the project's
 * folder and a hash of its path, so two projects never share tenants.
 */
export function projectDataDir(project: Pick<Project, 'root' | 'builtin'>, base: string): string {
  if (project.builtin) return base
  const slug = path.basename(project.root).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'project'
  const tag = createHash('sha256').update(path.resolve(project.root)).digest('hex').slice(0, 8)
  return path.join(base, 'projects', `${slug}-${tag}`)
}

/**
 * Where a project's database is. `DATABASE_URL` in the environment wins (as
 * it always has), then the config's `database`; `SCHEMATA_DATA_DIR` overrides
 * any embedded data folder.
 */
export function databaseTargetFor(project: Project, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  return { ...targetOf(project, env), connectTimeoutMs: connectTimeoutFromEnvironment(env) }
}

function targetOf(project: Project, env: NodeJS.ProcessEnv): DatabaseTarget {
  const url = env.DATABASE_URL?.trim()
  const directUrl = env.DIRECT_DATABASE_URL?.trim()
  if (url) return directUrl ? { mode: 'external', url, directUrl } : { mode: 'external', url }
  const { database } = project
  if (database.mode === 'external') {
    const configured = database.url ?? env[database.urlEnv ?? '']?.trim()
    if (!configured) {
      throw new ProjectConfigError(displayPath(project.configPath), 'database.urlEnv', `the environment variable ${database.urlEnv ?? ''} is not set (it should hold the PostgreSQL URL)`)
    }
    return directUrl ? { mode: 'external', url: configured, directUrl } : { mode: 'external', url: configured }
  }
  const base = defaultDataDir({ env, platform: process.platform, homedir: homedir() })
  if (env.SCHEMATA_DATA_DIR?.trim()) return { mode: 'embedded', dataDir: base }
  return { mode: 'embedded', dataDir: database.dataDir ?? projectDataDir(project, base) }
}
