/*
 * The tenant naming rules, copied from electron/main/tenancy/schema-name.ts so
 * the create dialog can answer as the user types. The server stays the
 * authority: it checks again and the dialog shows its refusal too. A unit test
 * (tests/unit/renderer-validation.test.tsx) runs both copies over the same
 * inputs, so a drift fails the build instead of misleading a user.
 */

/** PostgreSQL keywords that cannot be a bare identifier (catcode R and T, PostgreSQL 15–18). */
const RESERVED_WORDS: ReadonlySet<string> = new Set(
  `all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate
  collation column concurrently constraint create cross current_catalog current_date current_role
  current_schema current_time current_timestamp current_user default deferrable desc distinct do else end
  except false fetch for foreign freeze from full grant group having ilike in initially inner intersect
  into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null
  offset on only or order outer overlaps placing primary references returning right select session_user
  similar some symmetric system_user table tablesample then to trailing true union unique user using
  variadic verbose when where window with`.split(/\s+/),
)

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/

/** Why `schema` is not an acceptable tenant schema name, or undefined when it is. */
export function schemaNameProblem(schema: string): string | undefined {
  if (schema.length === 0) return 'must not be empty'
  if (schema.length > 63) return 'must be at most 63 characters (PostgreSQL truncates longer names)'
  if (!SCHEMA_PATTERN.test(schema)) {
    return 'must match ^[a-z_][a-z0-9_]{0,62}$ (lowercase ASCII letters, digits, underscore; not starting with a digit)'
  }
  if (schema === 'public') return 'must not be "public" (it holds the shared tables)'
  if (schema === 'information_schema') return 'must not be "information_schema" (a system schema)'
  if (schema.startsWith('pg_')) return 'must not start with "pg_" (reserved for system schemas)'
  if (RESERVED_WORDS.has(schema)) return `must not be the SQL reserved word "${schema}"`
  return undefined
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOST_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`)

/** Why `domain` is not an acceptable tenant host name, or undefined when it is. */
export function domainProblem(domain: string): string | undefined {
  if (domain.length === 0) return 'must not be empty'
  if (domain.length > 253) return 'must be at most 253 characters'
  if (domain !== domain.toLowerCase()) return 'must be lowercase'
  if (!HOST_PATTERN.test(domain)) return 'must be a host name: dot-separated labels of a-z, 0-9 and inner hyphens, no port'
  return undefined
}

/** Why `name` is not an acceptable display name, or undefined when it is. */
export function tenantNameProblem(name: string): string | undefined {
  if (name.trim().length === 0) return 'must not be empty'
  if (name.length > 100) return 'must be at most 100 characters'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters'
  return undefined
}

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
