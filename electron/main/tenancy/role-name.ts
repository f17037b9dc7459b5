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

/**
 * The NOLOGIN role that holds SELECT (and REFERENCES) on the project's shared
 * readable tables; every tenant role of the database is a member. One grant
 * per table on one role, not one per tenant: the ACL of a table lives in its
 * pg_class row, which has no TOAST table, so per-tenant grants stop fitting
 * after a few hundred tenants.
 */
export function sharedReadersRoleName(database: string): string {
  return `schemata_readers_${shortHash(database, 6)}`
}
