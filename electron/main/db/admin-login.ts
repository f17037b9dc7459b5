import type pg from 'pg'
import { tenantRoleName } from '../tenancy/role-name.ts'
import { passwordClause } from './scram-verifier.ts'
import { qualified, quoteIdent } from './sql.ts'

/**
 * The embedded server's day-to-day login: tenancy, API and console work run as
 * this role, never as the superuser. It can create roles (one per tenant) and
 * owns the app's database and everything the app made in it; it cannot read
 * server files, run programs or bypass permissions the way a superuser can.
 */
export const ADMIN_LOGIN = 'schemata_admin'

/** A login and its password. */
export interface LoginCredentials {
  user: string
  password: string
}

const ADMIN_ATTRIBUTES = 'LOGIN CREATEROLE INHERIT NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS'

/**
 * Makes sure the admin login exists (as the superuser `client`; roles are
 * cluster-wide, so any database will do), with `admin.password` when
 * `setPassword` says the login file was written afresh.
 */
export async function ensureAdminRole(client: pg.Client, admin: LoginCredentials, options: { setPassword: boolean }): Promise<void> {
  const { rows } = await client.query<{ exists: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1) AS exists',
    [admin.user],
  )
  const role = quoteIdent(admin.user)
  if (rows[0]?.exists !== true) {
    try {
      await client.query(`CREATE ROLE ${role} ${ADMIN_ATTRIBUTES} ${passwordClause(admin.password)}`)
      return
    } catch (error) {
      // 42710: a concurrent first start created it; the password below makes it ours either way.
      if ((error as { code?: unknown }).code !== '42710') throw error
    }
  } else if (!options.setPassword) {
    return
  }
  await client.query(`ALTER ROLE ${role} ${ADMIN_ATTRIBUTES} ${passwordClause(admin.password)}`)
}

/**
 * Makes `admin` the owner of the database `client` (the superuser) is
 * connected to, handing over a database that an earlier version made and ran
 * as the superuser (see `handOverDatabase`). One query when there is nothing to do.
 */
export async function ensureAdminOwnsDatabase(client: pg.Client, admin: string): Promise<void> {
  const { rows } = await client.query<{ owner: string }>(
    'SELECT pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()',
  )
  if (rows[0]?.owner !== admin) await handOverDatabase(client, admin)
}

/** Privilege keywords as aclexplode names them; only these reach an ALTER DEFAULT PRIVILEGES. */
const PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'USAGE', 'EXECUTE', 'MAINTAIN'])
const DEFAULT_ACL_NOUNS: Readonly<Record<string, string>> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES' }
const RELATION_NOUNS: Readonly<Record<string, string>> = {
  r: 'TABLE',
  p: 'TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  f: 'FOREIGN TABLE',
  S: 'SEQUENCE',
}

/* Schemas that are the server's, or hold an extension (left to whoever installed it, e.g. schemata_stats). */
const APP_SCHEMAS = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extnamespace = n.oid)`
/* Objects an extension created belong to the extension. */
const notExtensionMember = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`

/**
 * Upgrades a database that an earlier version ran as the superuser: the
 * database, its app schemas and what the superuser owns in them (tables,
 * views, sequences, functions, types) go to the admin login; the admin gets
 * ADMIN OPTION on every tenant role of this database (so it can alter and drop
 * them, which CREATEROLE alone no longer allows since PostgreSQL 16); and the
 * superuser's default privileges in those schemas become the admin's, so a
 * table the admin creates in a tenant schema is granted to the tenant exactly
 * as before. One transaction: the owner of the database changes last, and is
 * what says the hand-over happened.
 */
async function handOverDatabase(client: pg.Client, admin: string): Promise<void> {
  const to = quoteIdent(admin)
  await client.query('BEGIN')
  try {
    const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db ?? ''
    const statements: string[] = []
    const me = "(SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)"
    const schemas = await client.query<{ nspname: string }>(
      `SELECT n.nspname FROM pg_catalog.pg_namespace n
        WHERE n.nspowner = ${me} AND ${APP_SCHEMAS} AND ${notExtensionMember('pg_namespace', 'n.oid')}`,
    )
    for (const { nspname } of schemas.rows) statements.push(`ALTER SCHEMA ${quoteIdent(nspname)} OWNER TO ${to}`)

    const relations = await client.query<{ nspname: string; relname: string; relkind: string }>(
      `SELECT n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relowner = ${me} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${APP_SCHEMAS}
          AND ${notExtensionMember('pg_class', 'c.oid')}
          -- A serial or identity column's sequence follows its table.
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
          -- Partitions follow their parent.
          AND NOT c.relispartition`,
    )
    for (const r of relations.rows) {
      statements.push(`ALTER ${RELATION_NOUNS[r.relkind] ?? 'TABLE'} ${qualified(r.nspname, r.relname)} OWNER TO ${to}`)
    }

    const routines = await client.query<{ nspname: string; proname: string; args: string }>(
      `SELECT n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.proowner = ${me} AND ${APP_SCHEMAS} AND ${notExtensionMember('pg_proc', 'p.oid')}`,
    )
    // The argument list is PostgreSQL's own rendering of the signature (types, quoted where needed).
    for (const p of routines.rows) statements.push(`ALTER ROUTINE ${qualified(p.nspname, p.proname)}(${p.args}) OWNER TO ${to}`)

    const types = await client.query<{ nspname: string; typname: string; typtype: string }>(
      `SELECT n.nspname, t.typname, t.typtype FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typowner = ${me} AND ${APP_SCHEMAS} AND ${notExtensionMember('pg_type', 't.oid')}
          AND (t.typtype IN ('d', 'e', 'r')
               OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')))`,
    )
    for (const t of types.rows) {
      statements.push(`ALTER ${t.typtype === 'd' ? 'DOMAIN' : 'TYPE'} ${qualified(t.nspname, t.typname)} OWNER TO ${to}`)
    }

    const defaults = await client.query<{ nspname: string; objtype: string; grantee: string; privileges: string[] }>(
      `SELECT n.nspname, d.defaclobjtype::text AS objtype, coalesce(g.rolname, 'PUBLIC') AS grantee,
              array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges
         FROM pg_catalog.pg_default_acl d
         JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
        CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) a
         LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
        WHERE d.defaclrole = ${me} AND ${APP_SCHEMAS}
        GROUP BY 1, 2, 3`,
    )
    for (const d of defaults.rows) {
      const noun = DEFAULT_ACL_NOUNS[d.objtype]
      const privileges = d.privileges.filter((p) => PRIVILEGES.has(p))
      if (noun === undefined || privileges.length === 0) continue
      const grantee = d.grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdent(d.grantee)
      const where = `IN SCHEMA ${quoteIdent(d.nspname)}`
      statements.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${to} ${where} GRANT ${privileges.join(', ')} ON ${noun} TO ${grantee}`)
      statements.push(`ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER ${where} REVOKE ALL ON ${noun} FROM ${grantee}`)
    }

    // Every tenant role of this database (registered or not: doctor must be able to drop orphans too).
    const registry = (await client.query<{ present: boolean }>("SELECT to_regclass('public.tenants') IS NOT NULL AS present")).rows[0]
    const roles = await client.query<{ rolname: string }>(
      `SELECT rolname FROM pg_catalog.pg_roles
        WHERE starts_with(rolname, $1) ${registry?.present ? 'OR rolname IN (SELECT role FROM public.tenants)' : ''}`,
      [tenantRoleName(database, '')],
    )
    for (const { rolname } of roles.rows) statements.push(`GRANT ${quoteIdent(rolname)} TO ${to} WITH ADMIN OPTION`)

    statements.push(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${to}`)
    for (const statement of statements) await client.query(statement)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}
