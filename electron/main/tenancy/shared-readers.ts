import type { Database } from '../db/database.ts'
import { qualified, quoteIdent, quoteLiteral } from '../db/sql.ts'
import { lockSchemaSql } from '../db/tenant-sql.ts'
import { ProjectConfigError } from '../project/config-error.ts'
import { sharedReadersRoleName } from './role-name.ts'

/*
 * Shared readable tables (`sharedReadable` in schemata.config.json): tables in
 * public every tenant may SELECT and REFERENCE, never write. The privileges are
 * held by one role per database (`schemata_readers_<db tag>`); each tenant
 * role is a member and inherits them. Tenant roles are otherwise NOINHERIT
 * members of nothing, so INHERIT on them reaches exactly this role's
 * privileges. Nothing else in public is granted to tenants: the registry, the
 * ledgers and every other shared table stay out of their reach in PostgreSQL.
 */

/** What a member of the readers role may do with a shared readable table. */
const READER_PRIVILEGES = 'SELECT, REFERENCES'

/** `pg_has_role(…, 'USAGE')`: the member has the role's privileges (a member with NOINHERIT does not). */
const NOT_INHERITING = `NOT pg_catalog.pg_has_role(r.oid, $1::text::regrole, 'USAGE')`

/**
 * Makes a tenant role a member of the readers role, if the database has one
 * (it exists once a project declared shared readable tables): sent with the
 * rest of a tenant's provisioning, so a new tenant reads them at once.
 */
export function joinSharedReadersSql(database: string, role: string): string {
  const readers = quoteLiteral(sharedReadersRoleName(database))
  const member = quoteLiteral(role)
  return `DO $join_readers$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${readers}) THEN
    -- INHERIT before the GRANT: on PostgreSQL 16+ a membership inherits only if its member did when it was granted.
    EXECUTE pg_catalog.format('ALTER ROLE %I INHERIT', ${member});
    EXECUTE pg_catalog.format('GRANT %I TO %I', ${readers}, ${member});
  END IF;
END
$join_readers$`
}

/** Registry tables a project may never hand to its tenants, whatever its config says. */
const REGISTRY_TABLES = new Set(['tenants', 'domains', 'tenant_migrations', 'schemata_migrations'])

/** What `grantSharedReadable` changed. */
export interface SharedReadableSync {
  /** The role holding the privileges (absent when the project declares no shared readable table and none existed). */
  role?: string
  granted: string[]
  revoked: string[]
  /** Tenant roles that became members (or began inheriting) now. */
  joined: number
}

/**
 * Brings the database in line with the project's `sharedReadable`: the readers
 * role has SELECT and REFERENCES on exactly those tables in public (revoked
 * from any other), and every tenant role inherits from it. One transaction,
 * under public's schema lock. A listed table missing from public, or one of
 * Schemata's registry tables, is a ProjectConfigError naming the key, and
 * nothing is changed. Run after the shared migrations (they create the tables).
 */
export async function grantSharedReadable(db: Database, tables: readonly string[], configPath = 'schemata.config.json'): Promise<SharedReadableSync> {
  const role = sharedReadersRoleName(db.databaseName)
  for (const [i, table] of tables.entries()) {
    if (REGISTRY_TABLES.has(table)) {
      throw new ProjectConfigError(configPath, `sharedReadable[${i}]`, `"${table}" is one of Schemata's registry tables; tenants may never read it`)
    }
  }
  return db.transaction(async (tx) => {
    tx.exec(lockSchemaSql('public'))
    const present = await tx.rows<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1::text[])`,
      [[...tables]],
    )
    const kinds = new Map(present.map((row) => [row.name, row.kind]))
    for (const [i, table] of tables.entries()) {
      const kind = kinds.get(table)
      if (kind === undefined) {
        throw new ProjectConfigError(configPath, `sharedReadable[${i}]`, `table "${table}" does not exist in public (create it in a shared migration)`)
      }
      if (!['r', 'p', 'v', 'm', 'f'].includes(kind)) {
        throw new ProjectConfigError(configPath, `sharedReadable[${i}]`, `"${table}" in public is not a table or view`)
      }
    }
    const [exists] = await tx.rows<{ present: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1) AS present', [role])
    // A project that never declared a shared readable table gets no role (and its tenants stay NOINHERIT).
    if (!exists?.present && tables.length === 0) return { granted: [], revoked: [], joined: 0 }
    if (!exists?.present) tx.exec(`CREATE ROLE ${quoteIdent(role)} NOLOGIN NOINHERIT`)

    // Whatever the role holds in public that the config no longer lists is taken back.
    const held = exists?.present
      ? await tx.rows<{ name: string }>(
          `SELECT DISTINCT c.relname AS name FROM pg_catalog.pg_class c
            CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
            WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = $1::text::regrole`,
          [role],
        )
      : []
    const listed = new Set(tables)
    const revoked = held.map((row) => row.name).filter((name) => !listed.has(name)).sort()
    for (const name of revoked) tx.exec(`REVOKE ALL ON TABLE ${qualified('public', name)} FROM ${quoteIdent(role)}`)
    // Exactly SELECT and REFERENCES, even if someone granted more by hand.
    for (const name of tables) {
      tx.exec(`REVOKE ALL ON TABLE ${qualified('public', name)} FROM ${quoteIdent(role)}`)
      tx.exec(`GRANT ${READER_PRIVILEGES} ON TABLE ${qualified('public', name)} TO ${quoteIdent(role)}`)
    }

    // Every tenant role (pooled and suspended ones too) that does not inherit from the role yet.
    const joining = await tx.rows<{ role: string }>(
      `SELECT t.role FROM public.tenants t JOIN pg_catalog.pg_roles r ON r.rolname = t.role WHERE ${NOT_INHERITING} ORDER BY t.role`,
      [role],
    )
    for (const { role: member } of joining) {
      // A membership granted while the member was NOINHERIT keeps not inheriting on 16+: granted anew.
      tx.exec(`ALTER ROLE ${quoteIdent(member)} INHERIT`)
      tx.exec(`REVOKE ${quoteIdent(role)} FROM ${quoteIdent(member)}`)
      tx.exec(`GRANT ${quoteIdent(role)} TO ${quoteIdent(member)}`)
    }
    return { role, granted: [...tables], revoked, joined: joining.length }
  })
}
