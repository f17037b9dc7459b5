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

/** Why a customer field is not acceptable, mirroring the table's CHECK constraints. */
export function customerProblems(input: { name: string; email: string }): { name?: string; email?: string } {
  const problems: { name?: string; email?: string } = {}
  const name = input.name.trim()
  if (name.length === 0) problems.name = 'must not be empty'
  else if (name.length > 200) problems.name = 'must be at most 200 characters'
  const email = input.email.trim()
  if (email.length < 3) problems.email = 'must be an email address'
  else if (email.length > 320) problems.email = 'must be at most 320 characters'
  else if (!/^[^\s@]+@[^\s@]+$/.test(email)) problems.email = 'must look like name@example.com'
  return problems
}

/** Parses an amount typed in currency units ("12.50") to integer cents, or a problem. */
export function parseAmount(text: string): { cents: number } | { problem: string } {
  const trimmed = text.trim().replace(/,/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(trimmed)) return { problem: 'must be an amount like 12.50' }
  const cents = Math.round(Number(trimmed) * 100)
  if (cents > 2_147_483_647) return { problem: 'is too large' }
  return { cents }
}
