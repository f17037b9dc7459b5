import { homedir } from 'node:os'
import { join } from 'node:path'
import type { DatabaseTarget } from '../db/connect.ts'
import { defaultDataDir } from '../db/data-dir.ts'

/** Where archives go by default: `archives/` in the embedded data root, or in the per-user app-data folder. */
export function archiveDirectory(target: DatabaseTarget, env: NodeJS.ProcessEnv = process.env): string {
  const root = target.dataDir ?? defaultDataDir({ env, platform: process.platform, homedir: homedir() })
  return join(root, 'archives')
}
