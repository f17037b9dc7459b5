import { AMOUNT_CENTS_MAX, customerName, email } from '../../contract/data-rules.ts'
import { fieldProblem } from '../../contract/input-problems.ts'

// The naming rules are the server's own (contract/naming-rules.ts): the create dialog
// answers as the user types, and the server still checks again.
export { domainProblem, schemaNameProblem, tenantNameProblem } from '../../contract/naming-rules.ts'

/** A schema name suggested from a display name: "Acme Corp." → "acme_corp". Never validated here. */
export function suggestSchemaName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 63)
  return /^[0-9]/.test(slug) ? `t_${slug}`.slice(0, 63) : slug
}

/** Splits a free-text domain field (commas, spaces or new lines) into host names. */
export function parseDomains(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter((d) => d.length > 0)
}

/** Why a customer's fields are not acceptable: the contract's own rules (contract/data-rules.ts). */
export function customerProblems(input: { name: string; email: string }): { name?: string; email?: string } {
  const problems: { name?: string; email?: string } = {}
  const name = fieldProblem(customerName, input.name)
  const address = fieldProblem(email, input.email)
  if (name !== undefined) problems.name = name
  if (address !== undefined) problems.email = address
  return problems
}

/** Parses an amount typed in currency units ("12.50") to integer cents, or a problem. */
export function parseAmount(text: string): { cents: number } | { problem: string } {
  const trimmed = text.trim().replace(/,/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(trimmed)) return { problem: 'must be an amount like 12.50' }
  const cents = Math.round(Number(trimmed) * 100)
  if (cents > AMOUNT_CENTS_MAX) return { problem: 'is too large' }
  return { cents }
}
