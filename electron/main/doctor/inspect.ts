import { Transaction } from 'sequelize'
import type { Database } from '../db/database.ts'
import { qualified, quoteLiteral } from '../db/sql.ts'
import { LEDGER_TABLE } from '../migrations/ledger-storage.ts'
import { sharedReadersRoleName, tenantRoleName } from '../tenancy/role-name.ts'
import { MAX_CREDENTIAL_TTL_MS } from '../tenancy/session-credentials.ts'
import { type SchemaShape, readShapes } from './catalog-shape.ts'

/** A role's attributes that matter for isolation. */
export interface RoleFacts {
  name: string
  canLogin: boolean
  /**
   * LOGIN only by a tenant-session password that expires soon (TenantSessions):
   * a session is open right now. Anything else that can log in is a finding.
   */
  liveSessionCredential: boolean
  superuser: boolean
  createDb: boolean
  createRole: boolean
  replication: boolean
  bypassRls: boolean
  inherit: boolean
  /** May create temporary objects in this database (directly or through PUBLIC). */
  temporary: boolean
  /** Roles this role is a member of (it could SET ROLE to them). */
  memberOf: string[]
  /** Objects it owns, in any database of the server. */
  owned: number
}

export interface RegisteredTenant {
  name: string
  schema: string
  /** Its tenant type; null on a registry from before types (the registry migration adding them is pending). */
  type: string | null
  role: string
  /** `archived` and `moved` tenants may have no schema or role here (their data lives elsewhere). */
  status: string
}

/** A non-system schema other than `public`. */
export interface SchemaFacts {
  name: string
  hasLedger: boolean
}

/** One privilege from an ACL, `grantee` being a role name or `PUBLIC`. */
export interface AclEntry {
  schema: string
  /** The relation (for schema ACLs: empty). */
  relation: string
  /** r, p, v, m, f or S for relations; `n` for a schema. */
  kind: string
  grantee: string
  privilege: string
}

/** A default privilege of a schema: what `definer` creating a `objtype` there grants automatically. */
export interface DefaultAclEntry {
  schema: string
  /** `r` tables, `S` sequences, `f` functions, `T` types, `n` schemas. */
  objtype: string
  definer: string
  grantee: string
  privilege: string
}

/** Everything the checks look at, read in one consistent snapshot. */
export interface DatabaseFacts {
  currentUser: string
  superuser: boolean
  /** PUBLIC holds TEMPORARY on the database, so every role does, tenant roles included. */
  publicTemporary: boolean
  /** `tenant_<hash>_`: the prefix of every tenant role of this database. */
  rolePrefix: string
  /** The role holding the shared readable tables' privileges; tenant roles are members of it (and INHERIT). */
  sharedReadersRole: string
  tenants: RegisteredTenant[]
  schemas: Map<string, SchemaFacts>
  /** Registered tenant roles and every role with this database's tenant prefix. */
  roles: Map<string, RoleFacts>
  schemaAcl: AclEntry[]
  /** Privileges on the relations of existing tenant schemas (and of orphan ones). */
  relationAcl: AclEntry[]
  /** Relations with no ACL entry at all, so they are still known (schema → relation → kind). */
  relations: Map<string, Map<string, string>>
  defaultAcl: DefaultAclEntry[]
  /** Per tenant schema with a readable ledger: its rows; absent when there is none. */
  ownLedgers: Map<string, string[]>
  centralLedger: Map<string, string[]>
  /** Per schema, the checksum each ledger recorded for each migration (null: none recorded). */
  ownChecksums: Map<string, Map<string, string | null>>
  centralChecksums: Map<string, Map<string, string | null>>
  shapes: Map<string, SchemaShape>
  /** For unregistered tenant-like schemas: whether any table (the ledger aside) has a row. */
  orphanHasData: Map<string, boolean>
}

interface RoleRow {
  name: string
  can_login: boolean
  live_session_credential: boolean
  superuser: boolean
  create_db: boolean
  create_role: boolean
  replication: boolean
  bypass_rls: boolean
  inherit: boolean
  temporary: boolean
  member_of: string[]
  owned: string
}

/** Rows grouped by a key, in their order. */
export function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>()
  for (const row of rows) {
    const key = keyOf(row)
    const list = map.get(key)
    if (list) list.push(row)
    else map.set(key, [row])
  }
  return map
}

/** Whether `public.tenants` exists, i.e. the shared migrations have created the registry. */
export async function registryPresent(db: Database): Promise<boolean> {
  const [row] = await db.rows<{ present: boolean }>("SELECT to_regclass('public.tenants') IS NOT NULL AS present")
  return row?.present === true
}

/** A ledger is read only when it has the `name` column the migrator writes; otherwise it counts as missing. */
function ledgerReadable(shape: SchemaShape | undefined): boolean {
  return shape?.get(`column:${LEDGER_TABLE}.name`) !== undefined
}

/**
 * Reads the registry, the catalog and every ledger in one REPEATABLE READ,
 * read-only transaction: a tenant created or dropped meanwhile is seen either
 * whole or not at all, so it never shows up as an orphan or a half tenant.
 */
export async function inspectDatabase(db: Database): Promise<DatabaseFacts> {
  const rolePrefix = tenantRoleName(db.databaseName, '')
  return db.sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, async (transaction) => {
    await db.exec('SET TRANSACTION READ ONLY', undefined, transaction)
    const rows = <T extends object>(sql: string, bind?: readonly unknown[]) => db.rows<T>(sql, bind, transaction)

    const [me] = await rows<{ current_user: string; superuser: boolean; public_temporary: boolean }>(
      `SELECT current_user::text AS current_user, rolsuper AS superuser,
              EXISTS (SELECT 1 FROM pg_database d CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                       WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = 'TEMPORARY') AS public_temporary
         FROM pg_roles WHERE rolname = current_user`,
    )
    // to_jsonb: a registry from before tenant types has no type column yet (its migration is pending).
    const tenants = await rows<RegisteredTenant>("SELECT name, schema, to_jsonb(t)->>'type' AS type, role, status FROM public.tenants t ORDER BY schema")
    const schemaRows = await rows<{ name: string; has_ledger: boolean }>(
      `SELECT n.nspname AS name,
              EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = $1 AND c.relkind = 'r') AS has_ledger
         FROM pg_namespace n
        WHERE n.nspname <> 'public' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`,
      [LEDGER_TABLE],
    )
    const schemas = new Map(schemaRows.map((row) => [row.name, { name: row.name, hasLedger: row.has_ledger }]))
    const roleRows = await rows<RoleRow>(
      `SELECT r.rolname AS name, r.rolcanlogin AS can_login,
              coalesce(r.rolcanlogin AND r.rolvaliduntil > now() AND r.rolvaliduntil <= now() + $3::interval, false) AS live_session_credential,
              r.rolsuper AS superuser, r.rolcreatedb AS create_db,
              r.rolcreaterole AS create_role, r.rolreplication AS replication, r.rolbypassrls AS bypass_rls,
              r.rolinherit AS inherit,
              has_database_privilege(r.oid, current_database(), 'TEMPORARY') AS temporary,
              ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                     WHERE m.member = r.oid ORDER BY 1) AS member_of,
              (SELECT count(*) FROM pg_shdepend s
                WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = r.oid AND s.deptype = 'o') AS owned
         FROM pg_roles r
        WHERE r.rolname = ANY($1::text[]) OR starts_with(r.rolname, $2)`,
      [tenants.map((t) => t.role), rolePrefix, `${MAX_CREDENTIAL_TTL_MS} milliseconds`],
    )
    const roles = new Map(
      roleRows.map((row) => [
        row.name,
        {
          name: row.name,
          canLogin: row.can_login,
          liveSessionCredential: row.live_session_credential,
          superuser: row.superuser,
          createDb: row.create_db,
          createRole: row.create_role,
          replication: row.replication,
          bypassRls: row.bypass_rls,
          inherit: row.inherit,
          temporary: row.temporary,
          memberOf: row.member_of,
          owned: Number(row.owned),
        },
      ]),
    )

    // Tenant-like schemas: registered ones, and any with a ledger or whose tenant role exists.
    const registered = new Set(tenants.map((t) => t.schema))
    const tenantLike = [...schemas.values()]
      .filter((s) => registered.has(s.name) || s.hasLedger || roles.has(tenantRoleName(db.databaseName, s.name)))
      .map((s) => s.name)

    // The owners' own entries are left out: the admin owns every tenant object, and only other grantees matter.
    const schemaAcl = await rows<AclEntry>(
      `SELECT n.nspname AS schema, '' AS relation, 'n' AS kind, coalesce(g.rolname::text, 'PUBLIC') AS grantee,
              a.privilege_type AS privilege
         FROM pg_namespace n
        CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
         LEFT JOIN pg_roles g ON g.oid = a.grantee
        WHERE n.nspname = ANY($1::text[]) AND a.grantee <> n.nspowner`,
      [tenantLike],
    )
    const relationRows = await rows<{ schema: string; relation: string; kind: string; grantee: string | null; privilege: string | null }>(
      `SELECT n.nspname AS schema, c.relname AS relation, c.relkind::text AS kind,
              CASE WHEN a.privilege_type IS NULL THEN NULL ELSE coalesce(g.rolname::text, 'PUBLIC') END AS grantee,
              a.privilege_type AS privilege
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN LATERAL (
                SELECT * FROM aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)))
                 WHERE grantee <> c.relowner
              ) a ON true
         LEFT JOIN pg_roles g ON g.oid = a.grantee
        WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')`,
      [tenantLike],
    )
    const relations = new Map<string, Map<string, string>>()
    const relationAcl: AclEntry[] = []
    for (const row of relationRows) {
      let bySchema = relations.get(row.schema)
      if (!bySchema) relations.set(row.schema, (bySchema = new Map<string, string>()))
      bySchema.set(row.relation, row.kind)
      if (row.grantee !== null && row.privilege !== null) {
        relationAcl.push({ schema: row.schema, relation: row.relation, kind: row.kind, grantee: row.grantee, privilege: row.privilege })
      }
    }
    const defaultAcl = await rows<DefaultAclEntry>(
      `SELECT n.nspname AS schema, d.defaclobjtype::text AS objtype, pg_get_userbyid(d.defaclrole)::text AS definer,
              coalesce(g.rolname::text, 'PUBLIC') AS grantee, a.privilege_type AS privilege
         FROM pg_default_acl d
         JOIN pg_namespace n ON n.oid = d.defaclnamespace
        CROSS JOIN LATERAL aclexplode(d.defaclacl) a
         LEFT JOIN pg_roles g ON g.oid = a.grantee
        WHERE n.nspname = ANY($1::text[])`,
      [tenantLike],
    )

    const shapes = await readShapes(db, tenantLike, transaction)

    const ownLedgers = new Map<string, string[]>()
    const ownChecksums = new Map<string, Map<string, string | null>>()
    const withLedger = tenantLike.filter((name) => schemas.get(name)?.hasLedger && ledgerReadable(shapes.get(name)))
    // One statement per few hundred schemas rather than one round trip each.
    for (let i = 0; i < withLedger.length; i += 500) {
      const chunk = withLedger.slice(i, i + 500)
      const sql = chunk
        // to_jsonb: a ledger from before checksums has no checksum column.
        .map((name) => `SELECT ${quoteLiteral(name)}::text AS schema, name::text AS name, to_jsonb(l)->>'checksum' AS checksum FROM ${qualified(name, LEDGER_TABLE)} l`)
        .join('\nUNION ALL\n')
      for (const name of chunk) {
        ownLedgers.set(name, [])
        ownChecksums.set(name, new Map())
      }
      for (const row of await rows<{ schema: string; name: string; checksum: string | null }>(sql)) {
        ownLedgers.get(row.schema)?.push(row.name)
        ownChecksums.get(row.schema)?.set(row.name, row.checksum)
      }
    }
    const centralLedger = new Map<string, string[]>()
    const centralChecksums = new Map<string, Map<string, string | null>>()
    const centralRows = await rows<{ schema: string; name: string; checksum: string | null }>(
      "SELECT schema, name, to_jsonb(m)->>'checksum' AS checksum FROM public.tenant_migrations m ORDER BY schema, name",
    )
    for (const [schema, list] of groupBy(centralRows, (row) => row.schema)) {
      centralLedger.set(schema, list.map((row) => row.name))
      centralChecksums.set(schema, new Map(list.map((row) => [row.name, row.checksum])))
    }

    const orphanHasData = new Map<string, boolean>()
    for (const schema of tenantLike.filter((name) => !registered.has(name))) {
      const tables = [...(relations.get(schema) ?? new Map<string, string>()).entries()]
        .filter(([name, kind]) => (kind === 'r' || kind === 'p') && name !== LEDGER_TABLE)
        .map(([name]) => name)
      if (tables.length === 0) {
        orphanHasData.set(schema, false)
        continue
      }
      const [row] = await rows<{ has_data: boolean }>(
        `SELECT ${tables.map((table) => `EXISTS (SELECT 1 FROM ${qualified(schema, table)})`).join(' OR ')} AS has_data`,
      )
      orphanHasData.set(schema, row?.has_data === true)
    }

    return {
      currentUser: me?.current_user ?? '',
      superuser: me?.superuser === true,
      publicTemporary: me?.public_temporary === true,
      rolePrefix,
      sharedReadersRole: sharedReadersRoleName(db.databaseName),
      tenants,
      schemas,
      roles,
      schemaAcl,
      relationAcl,
      relations,
      defaultAcl,
      ownLedgers,
      centralLedger,
      ownChecksums,
      centralChecksums,
      shapes,
      orphanHasData,
    }
  })
}
