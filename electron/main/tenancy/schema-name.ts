import { schemaNameProblem } from '../../../contract/naming-rules.ts'
import { InvalidInputError } from '../errors.ts'

export { domainProblem, schemaNameProblem, tenantNameProblem } from '../../../contract/naming-rules.ts'

/** Throws InvalidInputError unless `schema` is a valid tenant schema name; runs before any SQL. */
export function assertSchemaName(schema: unknown, field = 'schema'): asserts schema is string {
  const problem = schemaNameProblem(schema)
  if (problem !== undefined) throw new InvalidInputError(field, problem)
}
