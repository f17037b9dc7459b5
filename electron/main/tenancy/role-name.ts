import { createHash } from 'node:crypto'

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length)
}

/**
 * The NOLOGIN role of a tenant. Roles are cluster-wide while schemas are
 * per-database, so the name carries a tag of the database: two databases on one
 * server may both have a tenant `acme` without sharing a role.
 */
export function tenantRoleName(database: string, schema: string): string {
  const prefix = `tenant_${shortHash(database, 6)}_`
  const name = prefix + schema
  if (name.length <= 63) return name
  // Keep it unique when the schema name is too long to fit whole.
  const suffix = `_${shortHash(`${database}:${schema}`, 8)}`
  return prefix + schema.slice(0, 63 - prefix.length - suffix.length) + suffix
}
