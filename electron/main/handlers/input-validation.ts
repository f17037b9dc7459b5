import { contract, type CallName } from '../../../contract/contract.ts'
import { problemOf } from '../../../contract/input-problems.ts'
import { InvalidInputError } from '../errors.ts'
import type { ValidInput } from './handler-types.ts'

/**
 * Validates untrusted input against the call's schema; a missing input counts
 * as `{}`. Throws the error the contract promises: INVALID_INPUT with
 * `<field>: <rule>` naming the top-level field.
 */
export function validateInput<N extends CallName>(name: N, input: unknown): ValidInput<N> {
  const given = input === undefined ? {} : input
  const parsed = contract[name].input.safeParse(given)
  if (parsed.success) return parsed.data as ValidInput<N>
  const problem = problemOf(parsed.error, given, { root: 'input', fields: 'top-level' })
  throw new InvalidInputError(problem.field, problem.rule)
}
