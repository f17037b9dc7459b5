import { defaultDomainFor as defaultDomainOf } from '../../../contract/naming-rules.ts'
import { InvalidInputError, quoteForMessage } from '../errors.ts'
import { assertSchemaName, domainProblem, tenantNameProblem } from './schema-name.ts'

export interface CreateTenantInput {
  name: string
  schema: string
  /** Host names; the first is primary. Defaults to `<schema>.<baseDomain>`. */
  domains?: readonly string[]
  /** One of the project's tenant types; defaults to its default type. */
  type?: string
}

export interface ValidTenantInput {
  name: string
  schema: string
  domains: string[]
}

/** Validates a domain list: each a host name, no repeats, at least one. */
export function validateDomains(domains: unknown, field = 'domains'): string[] {
  if (!Array.isArray(domains)) throw new InvalidInputError(field, 'must be a list of host names')
  if (domains.length === 0) throw new InvalidInputError(field, 'must name at least one host')
  if (domains.length > 50) throw new InvalidInputError(field, 'must name at most 50 hosts')
  const seen = new Set<string>()
  for (const domain of domains as unknown[]) {
    const problem = domainProblem(domain)
    if (problem !== undefined) throw new InvalidInputError(field, `${quoteForMessage(String(domain))} ${problem}`)
    if (seen.has(domain as string)) throw new InvalidInputError(field, `${quoteForMessage(String(domain))} is listed twice`)
    seen.add(domain as string)
  }
  return [...seen]
}

/** Checks every field of a new tenant before any SQL runs. */
export function validateTenantInput(input: unknown, baseDomain: string): ValidTenantInput {
  if (input === null || typeof input !== 'object') throw new InvalidInputError('tenant', 'must be an object')
  const { name, schema, domains } = input as Record<string, unknown>
  assertSchemaName(schema, 'schema')
  const nameProblem = tenantNameProblem(name)
  if (nameProblem !== undefined) throw new InvalidInputError('name', nameProblem)
  const list =
    domains === undefined || (Array.isArray(domains) && domains.length === 0)
      ? [defaultDomainFor(schema, baseDomain)]
      : domains
  return { name: name as string, schema, domains: validateDomains(list) }
}

/** The contract's default host name for a schema; InvalidInputError when none can be derived. */
export function defaultDomainFor(schema: string, baseDomain: string): string {
  const domain = defaultDomainOf(schema, baseDomain)
  if (domain === undefined) throw new InvalidInputError('domains', `no host name can be derived from schema "${schema}"; give one`)
  return domain
}
