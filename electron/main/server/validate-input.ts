import type { z } from 'zod'
import { problemOf } from '../../../contract/input-problems.ts'
import { InvalidInputError } from '../errors.ts'

/**
 * Validates an untrusted request body (or other HTTP input) against a schema;
 * the first problem becomes an InvalidInputError naming the field by its path
 * (`email`, `body`, `headers.x-foo`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const problem = problemOf(parsed.error, input, { root, fields: 'path' })
  throw new InvalidInputError(problem.field, problem.rule)
}
