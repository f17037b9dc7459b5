import type { z } from 'zod'
import { valueAt } from '../handlers/input-validation.ts'
import { InvalidInputError } from '../errors.ts'

/**
 * Validates untrusted input against a schema; the first problem becomes an
 * InvalidInputError naming the field (`email`, `body`, `headers.x-foo`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  if (!issue) throw new InvalidInputError(root, 'is not valid')
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.map(String).join('.')
    const key = issue.keys[0] ?? ''
    throw new InvalidInputError(prefix ? `${prefix}.${key}` : key, 'is not a known field')
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : root
  if (issue.path.length === 0 && issue.code === 'invalid_type') {
    throw new InvalidInputError(root, input === undefined ? 'is required' : `must be ${issue.expected === 'object' ? 'a JSON object' : issue.expected}`)
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    throw new InvalidInputError(field, 'is required')
  }
  throw new InvalidInputError(field, issue.message)
}
