import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ProjectConfigError } from './config-error.ts'
import { displayPath } from './display-path.ts'
import { CONFIG_FILE } from './load-project.ts'

/** Where the project to open was found. */
export interface LocatedConfig {
  configPath: string
  /** How it was chosen: `--config`, `SCHEMATA_CONFIG`, found in the working directory or a parent, or the built-in demo. */
  source: 'flag' | 'env' | 'search' | 'builtin'
  /** It is the demo that ships with Schemata. */
  builtin: boolean
}

let builtinCache: string | undefined

/**
 * The built-in demo's config: `schemata.config.json` at the root of the
 * Schemata package itself, found by walking up from this module (the same
 * walk works from the sources, from the bundle in `out/main` and from a
 * packaged app).
 */
export function builtinConfigPath(): string {
  if (builtinCache !== undefined) return builtinCache
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE)
    const pkg = path.join(dir, 'package.json')
    if (existsSync(candidate) && existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'schemata') {
      builtinCache = candidate
      return candidate
    }
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`the built-in demo project (${CONFIG_FILE} beside Schemata's package.json) was not found`)
    dir = parent
  }
}

/** Whether `configPath` is the built-in demo's config (through any link). */
export function isBuiltinConfig(configPath: string): boolean {
  try {
    return realpathSync(configPath) === realpathSync(builtinConfigPath())
  } catch {
    return false
  }
}

/**
 * The config file a project is named by: the file itself or the folder
 * holding it (`--config`, `SCHEMATA_CONFIG`, the app's Open Project). `key`
 * names where the name came from in messages; without one, the path does.
 */
export function namedConfig(value: string, cwd: string, key?: string): string {
  const absolute = path.resolve(cwd, value)
  const shown = displayPath(absolute)
  const refuse = (rule: string): never => {
    throw key === undefined ? new ProjectConfigError(shown, undefined, rule) : new ProjectConfigError(key, undefined, `${shown} ${rule}`)
  }
  let isFolder = false
  try {
    isFolder = statSync(absolute).isDirectory()
  } catch {
    refuse('does not exist')
  }
  const file = isFolder ? path.join(absolute, CONFIG_FILE) : absolute
  if (!existsSync(file)) refuse(`holds no ${CONFIG_FILE} (create one with "schemata init")`)
  return file
}

/**
 * Which project to open: `--config`, else `SCHEMATA_CONFIG`, else the
 * nearest `schemata.config.json` in the working directory or its parents,
 * else the built-in demo.
 */
export function locateConfig(options: { cwd: string; flag?: string; env: Readonly<Record<string, string | undefined>> }): LocatedConfig {
  const builtin = builtinConfigPath()
  const located = (configPath: string, source: LocatedConfig['source']): LocatedConfig => ({
    configPath,
    source,
    builtin: isBuiltinConfig(configPath),
  })
  if (options.flag !== undefined) return located(namedConfig(options.flag, options.cwd, '--config'), 'flag')
  const fromEnv = options.env.SCHEMATA_CONFIG?.trim()
  if (fromEnv) return located(namedConfig(fromEnv, options.cwd, 'SCHEMATA_CONFIG'), 'env')
  let dir = path.resolve(options.cwd)
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE)
    if (existsSync(candidate)) return located(candidate, 'search')
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return { configPath: builtin, source: 'builtin', builtin: true }
}
