import { locateConfig } from '../project/find-config.ts'
import { loadProject } from '../project/load-project.ts'
import { type CliContext, createCliContext } from './cli-context.ts'
import type { CliIo } from './cli-io.ts'

/**
 * Opens the project a command runs against. The whole project (config and
 * every migration file) is checked before the command runs: a problem
 * anywhere is invalid input and nothing has been touched.
 */
export async function openProject(io: CliIo, env: NodeJS.ProcessEnv, configFlag: string | undefined): Promise<CliContext> {
  const located = locateConfig({ cwd: process.cwd(), env, ...(configFlag === undefined ? {} : { flag: configFlag }) })
  const project = await loadProject(located.configPath, { builtin: located.builtin })
  return createCliContext(io, env, project)
}
