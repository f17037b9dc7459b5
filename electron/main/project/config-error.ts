import type { z } from 'zod'
import { SchemataError } from '../errors.ts'
import { closestMatch } from '../../../contract/closest-match.ts'

/**
 * A problem with a project's config or its migration folders. Invalid input
 * (exit 2): the message names the file, the key and the rule, and nothing
 * has been changed — a project is loaded completely before anything runs.
 */
export class ProjectConfigError extends SchemataError {
  /** The key in schemata.config.json (`tenantTypes.enterprise.migrations[1]`), or the migration file. */
  readonly key: string

  /** `where` is the file at fault; `key` the config key, when the file is the config. */
  constructor(where: string, key: string | undefined, rule: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', key === undefined ? `${where}: ${rule}` : `${where}: ${key}: ${rule}`, { field: key ?? where, ...options })
    this.key = key ?? where
  }
}

/** `tenantTypes.enterprise.migrations[1]` from a zod path. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(part))) out += out === '' ? String(part) : `.${String(part)}`
    else out += `[${JSON.stringify(String(part))}]`
  }
  return out === '' ? '(file)' : out
}

interface SchemaDef {
  type: string
  shape?: Record<string, { _zod: { def: SchemaDef } }>
  innerType?: { _zod: { def: SchemaDef } }
  valueType?: { _zod: { def: SchemaDef } }
  element?: { _zod: { def: SchemaDef } }
  options?: { _zod: { def: SchemaDef } }[]
}

/** The keys the schema allows in the object at `path` (for "did you mean"). */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let defs: SchemaDef[] = [(schema as unknown as { _zod: { def: SchemaDef } })._zod.def]
  const unwrap = (list: SchemaDef[]): SchemaDef[] =>
    list.flatMap((def) => {
      if (def.type === 'optional' && def.innerType) return unwrap([def.innerType._zod.def])
      if (def.type === 'union' && def.options) return unwrap(def.options.map((o) => o._zod.def))
      return [def]
    })
  for (const part of path) {
    defs = unwrap(defs).flatMap((def): SchemaDef[] => {
      if (def.type === 'object' && def.shape && typeof part === 'string') {
        const child = def.shape[part]
        return child ? [child._zod.def] : []
      }
      if (def.type === 'record' && def.valueType) return [def.valueType._zod.def]
      if (def.type === 'array' && def.element) return [def.element._zod.def]
      return []
    })
  }
  return [...new Set(unwrap(defs).flatMap((def) => (def.type === 'object' && def.shape ? Object.keys(def.shape) : [])))]
}

/** The rule a zod issue broke, in words a config author can act on. */
function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // zod leaves the input out of issues; its message says what it received.
      if (issue.message.endsWith('received undefined')) return 'is required'
      if (issue.expected === 'int') return 'must be a whole number'
      return `must be ${issue.expected === 'record' || issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`
    case 'invalid_union':
      if (issue.path.at(-1) === 'migrations') return 'must be a folder path or a list of folder paths'
      return issue.message
    case 'invalid_key':
      return issue.path[0] === 'tenantTypes'
        ? 'is not a valid tenant type name: ^[a-z][a-z0-9_-]{0,39}$ (lowercase letter first; letters, digits, _ and -)'
        : issue.message
    case 'invalid_format':
      return issue.message.startsWith('Invalid string') && 'pattern' in issue ? `must match ${String(issue.pattern)}` : issue.message
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    default:
      return issue.message
  }
}

/** The first problem zod found, as one ProjectConfigError naming the key and the rule. */
export function configErrorOf(source: string, schema: z.ZodType, error: z.ZodError): ProjectConfigError {
  const issue = error.issues[0]
  if (!issue) return new ProjectConfigError(source, '(file)', 'is not a valid config')
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    const known = knownKeysAt(schema, issue.path)
    const guess = closestMatch(key, known)
    const hint = guess ? `did you mean "${guess}"?` : `known keys: ${known.join(', ')}`
    return new ProjectConfigError(source, keyPath([...issue.path, key]), `is not a known key (${hint})`)
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    return new ProjectConfigError(source, '(file)', 'must hold one JSON object')
  }
  return new ProjectConfigError(source, keyPath(issue.path), ruleOf(issue))
}
