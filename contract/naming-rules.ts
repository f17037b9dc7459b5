/*
 * The tenant naming rules as pure functions, in the contract so the main
 * process (which enforces them before any SQL) and the renderer (which answers
 * as the user types) use the very same code.
 */

/**
 * PostgreSQL keywords that cannot be a bare identifier (catcode R and T in
 * `pg_get_keywords()`, PostgreSQL 15–18). Even though every identifier is
 * quoted, a schema named `select` would be a trap for anyone writing SQL by hand.
 */
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

/**
 * The valid schema name someone typing `schema` most likely meant — `Hooli` →
 * `hooli`, `Acme Corp` → `acme_corp`, `e-shop` → `e_shop` — or undefined when
 * nothing close is valid (accents and other scripts are not guessed at).
 */
export function schemaNameSuggestion(schema: string): string | undefined {
  const guess = schema
    .trim()
    .toLowerCase()
    .replace(/[\s.-]+/g, '_')
  if (guess === schema || !SCHEMA_PATTERN.test(guess)) return undefined
  return schemaNameProblem(guess) === undefined ? guess : undefined
}

/** Returns why `schema` is not an acceptable tenant schema name, or undefined when it is. */
export function schemaNameProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'string') return 'must be a string'
  if (schema.length === 0) return 'must not be empty'
  if (schema.length > 63) return 'must be at most 63 characters (PostgreSQL truncates longer names)'
  if (!SCHEMA_PATTERN.test(schema)) {
    const suggestion = schemaNameSuggestion(schema)
    return (
      'must match ^[a-z_][a-z0-9_]{0,62}$ (lowercase ASCII letters, digits, underscore; not starting with a digit)' +
      (suggestion === undefined ? '' : `; did you mean "${suggestion}"?`)
    )
  }
  if (schema === 'public') return 'must not be "public" (it holds the shared tables)'
  if (schema === 'information_schema') return 'must not be "information_schema" (a system schema)'
  if (schema === 'schemata_stats') return 'must not be "schemata_stats" (it holds the statement statistics)'
  if (schema.startsWith('pg_')) return 'must not start with "pg_" (reserved for system schemas)'
  if (RESERVED_WORDS.has(schema)) return `must not be the SQL reserved word "${schema}"`
  return undefined
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOST_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`)

/** Returns why `domain` is not an acceptable tenant host name, or undefined when it is. */
export function domainProblem(domain: unknown): string | undefined {
  if (typeof domain !== 'string') return 'must be a string'
  if (domain.length === 0) return 'must not be empty'
  if (domain.length > 253) return 'must be at most 253 characters'
  if (domain !== domain.toLowerCase()) return 'must be lowercase'
  if (!HOST_PATTERN.test(domain)) return 'must be a host name: dot-separated labels of a-z, 0-9 and inner hyphens, no port'
  return undefined
}

/**
 * The host name a tenant gets when none is given: `acme` → `acme.localhost`.
 * Underscores are not allowed in host names, so they become hyphens;
 * undefined when nothing of the schema name is left to make a label of.
 */
export function defaultDomainFor(schema: string, baseDomain: string): string | undefined {
  const label = schema.replaceAll('_', '-').replace(/^-+|-+$/g, '')
  return label.length === 0 ? undefined : `${label}.${baseDomain}`
}

/** Returns why `name` is not an acceptable display name, or undefined when it is. */
export function tenantNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string'
  if (name.trim().length === 0) return 'must not be empty'
  if (name.length > 100) return 'must be at most 100 characters'
  // Control characters (NUL above all) make names unprintable in logs and are rejected by PostgreSQL text.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters'
  return undefined
}
