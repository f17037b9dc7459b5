import type { z } from 'zod'

/*
 * How a zod refusal reads, once, for every boundary: contract calls (IPC and
 * the console's RPC), the tenant API's bodies, and the console's own forms.
 * A problem names the field and a rule a person can act on.
 */

type Issue = z.core.$ZodIssue

/** The field a refused input is about, and what is wrong with it ("must be at most 200 characters"). */
export interface InputProblem {
  field: string
  rule: string
}

export interface ProblemOptions {
  /** What the whole input is called (`input` for a call, `body` for an HTTP request). */
  root: string
  /**
   * `top-level`: the field is the input's top-level key, and where inside it
   * goes into the rule ("domains: entry 2 must be a string"), so a form can
   * put it next to its input. `path`: the field is the whole dotted path
   * ("headers.x-foo"), as an HTTP API names JSON fields.
   */
  fields: 'top-level' | 'path'
}

/**
 * Untrusted text quoted for a message: shortened, and everything but
 * printable ASCII escaped. Messages end up in logs and on screen, where a NUL,
 * a newline or a right-to-left override from the input would mislead.
 */
export function quoteForMessage(text: string, max = 40): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text
  return `"${shown.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`
}

/** The value at a zod issue's path in the raw input (undefined where the path leaves it). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

function describeType(expected: string): string {
  switch (expected) {
    case 'int':
      return 'a whole number'
    case 'array':
      return 'a list'
    case 'object':
      return 'an object'
    default:
      return `a ${expected}`
  }
}

/** Zod's issue as a rule: "must be at most 200 characters", "is required". */
function ruleOf(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return 'is required'
      return `must be ${describeType(issue.expected)}`
    case 'too_big': {
      const max = String(issue.maximum)
      if (issue.origin === 'string') return `must be at most ${max} characters`
      if (issue.origin === 'array') return `must have at most ${max} items`
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`
    }
    case 'too_small': {
      const min = String(issue.minimum)
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${min} characters`
      if (issue.origin === 'array') return `must have at least ${min} items`
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    default:
      return issue.message
  }
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/

/** The first issue zod found in `input`, as the field it concerns and the rule it broke. */
export function problemOf(error: z.ZodError, input: unknown, options: ProblemOptions): InputProblem {
  const issue = error.issues[0]
  if (issue === undefined) return { field: options.root, rule: 'is not valid' }
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    if (!FIELD_NAME.test(key)) return { field: options.root, rule: `has an unknown field ${quoteForMessage(key)}` }
    const field = options.fields === 'path' && path.length > 0 ? `${path.join('.')}.${key}` : key
    return { field, rule: 'is not a field of this call' }
  }
  const [head, ...rest] = issue.path
  if (head === undefined) {
    if (issue.code !== 'invalid_type') return { field: options.root, rule: issue.message }
    return { field: options.root, rule: input === undefined ? 'is required' : 'must be an object' }
  }
  const rule = ruleOf(issue, valueAt(input, issue.path))
  if (options.fields === 'path') return { field: path.join('.'), rule }
  const where = rest.map((key) => (typeof key === 'number' ? `entry ${key + 1}` : quoteForMessage(String(key)))).join(' ')
  return { field: String(head), rule: where === '' ? rule : `${where} ${rule}` }
}

/** What is wrong with `value` by `schema`'s rules, or undefined when nothing is: for a form field. */
export function fieldProblem(schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value)
  if (parsed.success) return undefined
  const issue = parsed.error.issues[0]
  return issue === undefined ? 'is not valid' : ruleOf(issue, value)
}
