import type { z } from 'zod'
import { contract, type CallName } from '../../../contract/contract.ts'
import { InvalidInputError, quoteForMessage } from '../errors.ts'
import type { ValidInput } from './handler-types.ts'

type Issue = z.core.$ZodIssue

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

/** The value at a zod issue's path in the raw input (undefined where the path leaves it). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

/** Zod's issue as a rule a person can act on: "must be at most 200 characters", "is required". */
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

/**
 * Turns the first zod issue into the error the contract promises: INVALID_INPUT
 * with `<field>: <rule>` naming the top-level field (a list entry is named in
 * the rule: `domains: entry 2 must be a string`).
 */
export function invalidInputFromIssue(issue: Issue, input: unknown): InvalidInputError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    return FIELD_NAME.test(key)
      ? new InvalidInputError(key, 'is not a field of this call')
      : new InvalidInputError('input', `has an unknown field ${quoteForMessage(key)}`)
  }
  const [head, ...rest] = issue.path
  if (head === undefined) {
    return new InvalidInputError('input', issue.code === 'invalid_type' ? 'must be an object' : issue.message)
  }
  const rule = ruleOf(issue, valueAt(input, issue.path))
  const where = rest.map((key) => (typeof key === 'number' ? `entry ${key + 1}` : quoteForMessage(String(key)))).join(' ')
  return new InvalidInputError(String(head), where === '' ? rule : `${where} ${rule}`)
}

/** Validates untrusted input against the call's schema; a missing input counts as `{}`. Throws InvalidInputError. */
export function validateInput<N extends CallName>(name: N, input: unknown): ValidInput<N> {
  const schema: z.ZodType = contract[name].input
  const parsed = schema.safeParse(input === undefined ? {} : input)
  if (parsed.success) return parsed.data as ValidInput<N>
  const [first] = parsed.error.issues
  if (first === undefined) throw new InvalidInputError('input', 'is not valid')
  throw invalidInputFromIssue(first, input)
}
