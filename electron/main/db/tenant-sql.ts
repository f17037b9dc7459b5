import { SCHEMA_LOCK_CLASS, schemaLockKey } from './lock-keys.ts'
import { qualified, quoteIdent, quoteLiteral } from './sql.ts'

/*
 * The SQL that gives a tenant schema its role and grants, and the lock that
 * serialises all work on one schema name: written once, here, for the
 * registry, the migrator, the doctor and the benchmark's floor.
 */

/** What a tenant role may do to the rows of its own tables. */
export const TENANT_TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const
/** What a tenant role may do with its own sequences (serial columns). */
export const TENANT_SEQUENCE_PRIVILEGES = ['USAGE', 'SELECT'] as const

/**
 * Takes the transaction-scoped lock on a schema name: creates, drops,
 * migrations and repairs of one schema wait for each other instead of
 * interleaving (`shared`: readers of the schema, such as a clone of it, only
 * wait for those). Sent first in its transaction.
 *
 * Then a lock on the registry table, for what it makes PostgreSQL do, not for
 * what it keeps out (ACCESS SHARE conflicts only with ACCESS EXCLUSIVE): a
 * backend reads the catalog invalidations other transactions sent only when
 * it starts a transaction or takes a relation or object lock, never after
 * waiting for an advisory lock. Without it, a create that waited for a drop
 * of the same name still finds the dropped schema in its catalog cache and
 * fails with "schema already exists". `public` is never created or dropped,
 * and is locked before the registry exists (a new database's shared migrations).
 */
export function lockSchemaSql(schema: string, options: { shared?: boolean } = {}): string {
  const fn = options.shared ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'
  const advisory = `SELECT ${fn}(${SCHEMA_LOCK_CLASS}, ${schemaLockKey(schema)})`
  return schema === 'public' ? advisory : `${advisory};\nLOCK TABLE public.tenants IN ACCESS SHARE MODE`
}

/**
 * The schema locks of `schemas`, exclusively, in key order: two operations
 * locking the same pair always queue instead of deadlocking. Scopes hold
 * these in SHARE mode (schemata_enter_tenant), so taking them waits for the
 * scopes running in those schemas and holds back new ones until COMMIT.
 */
export function lockSchemasSql(schemas: readonly string[]): string {
  const ordered = [...new Set(schemas)].sort((a, b) => schemaLockKey(a) - schemaLockKey(b))
  return ordered.map((schema) => lockSchemaSql(schema)).join(';\n')
}

/**
 * The schema's lock in SHARE mode for the whole session (released by closing
 * it): taken before a transaction starts, so its snapshot is taken after the
 * wait (an export reads a schema no migration, rename or drop is changing).
 */
export function holdSchemaLockSharedSql(schema: string): string {
  return `SELECT pg_advisory_lock_shared(${SCHEMA_LOCK_CLASS}, ${schemaLockKey(schema)})`
}

/**
 * The tenant's NOLOGIN role, its USAGE on the schema, and default privileges
 * so every table and sequence created there later is the role's to use. A
 * login that is not superuser must be granted the role to `SET ROLE` to it.
 */
export function createTenantRoleSql(schema: string, role: string, options: { grantToSelf: boolean }): string {
  const s = quoteIdent(schema)
  const r = quoteIdent(role)
  return [
    `CREATE ROLE ${r} NOLOGIN NOINHERIT`,
    ...(options.grantToSelf ? [`GRANT ${r} TO CURRENT_USER`] : []),
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${TENANT_TABLE_PRIVILEGES.join(', ')} ON TABLES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${TENANT_SEQUENCE_PRIVILEGES.join(', ')} ON SEQUENCES TO ${r}`,
  ].join(';\n')
}

/**
 * The grants default privileges would have given on the tables and sequences
 * already in the schema (for a role created after them), except on the
 * `withheld` tables (the schema's own migration ledger).
 */
export function grantExistingObjectsSql(schema: string, role: string, withheld: readonly string[]): string {
  const s = quoteIdent(schema)
  const r = quoteIdent(role)
  return [
    `GRANT ${TENANT_TABLE_PRIVILEGES.join(', ')} ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
    `GRANT ${TENANT_SEQUENCE_PRIVILEGES.join(', ')} ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`,
    ...withheld.map((table) => `REVOKE ALL ON TABLE ${qualified(schema, table)} FROM ${r}`),
  ].join(';\n')
}

/**
 * Drops a tenant role; DROP OWNED first revokes what it was granted in this
 * database (it owns nothing). Tenant sessions are logged in as the role: they
 * are ended first, or they would outlive it (DROP ROLE does not wait for them).
 */
export function dropTenantRoleSql(role: string): string {
  const r = quoteIdent(role)
  return `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${quoteLiteral(role)};\nDROP OWNED BY ${r};\nDROP ROLE ${r}`
}

/** Drops a tenant's schema with everything in it, then its role: what leaves nothing of a tenant but its registry row. */
export function dropTenantObjectsSql(schema: string, role: string): string {
  return `DROP SCHEMA ${quoteIdent(schema)} CASCADE;\n${dropTenantRoleSql(role)}`
}

/**
 * Lets a tenant role log in with a password (given as its SCRAM verifier)
 * until `validUntil`: a tenant session's short-lived credential.
 */
export function allowTenantLoginSql(role: string, verifier: string, validUntil: Date): string {
  return `ALTER ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(verifier)} VALID UNTIL ${quoteLiteral(validUntil.toISOString())}`
}

/** The tenant role back at rest: it cannot log in, and has no password. */
export function forbidTenantLoginSql(role: string): string {
  return `ALTER ROLE ${quoteIdent(role)} NOLOGIN PASSWORD NULL`
}

/**
 * Tenant roles may not create temporary objects. PostgreSQL grants TEMPORARY
 * on every database to PUBLIC, and no role can be refused what PUBLIC holds,
 * so it is taken from PUBLIC (the database owner keeps it as owner).
 */
export const REVOKE_TEMP_FROM_PUBLIC_SQL = `DO $revoke$
BEGIN
  EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', pg_catalog.current_database());
END
$revoke$`
