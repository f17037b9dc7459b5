/**
 * The one place identifiers become SQL. Every schema, role and table name that
 * reaches a statement goes through `quoteIdent`; values go as bind parameters.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('quoteIdent: empty identifier')
  if (name.includes('\0')) throw new Error('quoteIdent: identifier contains NUL')
  return `"${name.replaceAll('"', '""')}"`
}

/** A schema-qualified name, both parts quoted. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`
}

/** A string literal, for the few statements that take no bind parameters (e.g. `CREATE ROLE … PASSWORD`). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('quoteLiteral: value contains NUL')
  return `'${value.replaceAll("'", "''")}'`
}
