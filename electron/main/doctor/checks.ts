import { qualified, quoteIdent } from '../db/sql.ts'
import { displayPath } from '../project/display-path.ts'
import { REVOKE_TEMP_FROM_PUBLIC_SQL, TENANT_SEQUENCE_PRIVILEGES, TENANT_TABLE_PRIVILEGES } from '../db/tenant-sql.ts'
import { LEDGER_TABLE } from '../migrations/ledger-storage.ts'
import type { MigrationDefinition } from '../migrations/types.ts'
import { tenantRoleName } from '../tenancy/role-name.ts'
import { type ShapeDifference, type ShapeItem, diffShapes } from './catalog-shape.ts'
import type { CheckName, DiagnosedFinding, Repair, Severity } from './findings.ts'
import { type AclEntry, type DatabaseFacts, type DefaultAclEntry, type RegisteredTenant, type RoleFacts, groupBy } from './inspect.ts'
import type { ReferenceShapes } from './reference-shape.ts'

/** Privilege keywords as aclexplode names them; only these ever reach a GRANT or REVOKE. */
const KNOWN_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN', 'USAGE', 'CREATE'])

/** Entries grouped by `key` (undefined leaves one out), with the privileges each group holds; its first entry stands for it. */
function privilegesBy<E extends { privilege: string }>(entries: Iterable<E>, key: (entry: E) => string | undefined): Map<string, { entry: E; privileges: Set<string> }> {
  const groups = new Map<string, { entry: E; privileges: Set<string> }>()
  for (const entry of entries) {
    const k = key(entry)
    if (k === undefined) continue
    const group = groups.get(k) ?? { entry, privileges: new Set<string>() }
    group.privileges.add(entry.privilege)
    groups.set(k, group)
  }
  return groups
}

function privilegeList(privileges: readonly string[]): string {
  for (const p of privileges) if (!KNOWN_PRIVILEGES.has(p)) throw new Error(`unexpected privilege name from the catalog: ${p}`)
  return privileges.join(', ')
}

/** `PUBLIC` is a keyword, every other grantee a quoted role name. */
function granteeSql(grantee: string): string {
  return grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdent(grantee)
}

function relationSql(kind: string): 'TABLE' | 'SEQUENCE' {
  return kind === 'S' ? 'SEQUENCE' : 'TABLE'
}

const WHY = {
  schemaMissing:
    'the tenant is registered and routable, but every request in its scope fails: its schema and data are gone or were never made',
  roleMissing: 'every scoped request runs SET ROLE to this role, so without it the tenant cannot be used at all',
  roleAttributes:
    'a tenant role must be reachable only by SET ROLE inside a scoped transaction or by a tenant session’s short-lived password; any other LOGIN (a password that never expires, or one a crashed process left behind) opens a way around the scope, and SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION reach far beyond one schema',
  roleMembership: 'from inside a tenant scope, code could SET ROLE to any role the tenant role is a member of and use its privileges',
  roleOwns: 'an owner can alter, drop and re-grant its objects whatever the grants say; a tenant role is meant to own nothing',
  ownUsage: 'without USAGE on its own schema the tenant cannot reach its own tables',
  ownCreate: 'with CREATE the tenant could add tables or functions its migrations know nothing about, or shadow objects of public',
  crossTenant: 'tenants are kept apart by PostgreSQL privileges; this one lets a tenant reach data that is not its own',
  publicGrant: 'a privilege granted to PUBLIC is held by every role, every other tenant’s role included',
  defaultPrivileges: 'default privileges are what the next migration’s new tables get; without the right ones the tenant cannot use them (or others can)',
  tablePrivilegesMissing: 'the tenant’s own queries on it fail with "permission denied"',
  tablePrivilegesExtra: 'the tenant role gets exactly SELECT, INSERT, UPDATE, DELETE; anything more (TRUNCATE, REFERENCES, TRIGGER…) widens what tenant code can do',
  ledgerPrivileges: 'a tenant that can touch its migration ledger can make the migrator skip or repeat migrations',
  ledgerMissing: 'nobody can tell which migrations this schema has; the migrator would try to apply all of them again',
  pending: 'the tenant’s tables lag behind the code; requests using newer tables or columns fail for this tenant',
  centralMissing:
    '"who is behind" and the migrator read the central ledger: they count the migration as pending here although the schema has it',
  ownMissing:
    'the central ledger says it ran but the schema’s own ledger does not; the migrator trusts the central ledger and will never apply it here',
  unknownMigration:
    'it is not in this build’s migration list: the schema was migrated by a newer or different schemata, and this build cannot say what shape it should have',
  orphanSchema: 'nothing routes to it, migrates it or drops it with a tenant, and its name is blocked for a new tenant',
  orphanRole: 'it keeps whatever it was granted, and blocks creating a tenant with that schema',
  drift: 'code and the next migration assume the shape the migrations produce; on this tenant alone they may fail or behave differently',
  reference: 'the migrations fail on an empty schema, so drift cannot be checked against them, and creating a tenant will fail the same way',
  moving: 'it serves no requests until the move finishes; if no move is running, one was interrupted',
  unknownType: 'the migrator cannot tell which migrations this tenant should have, so it is left out of every migration run',
  changedMigration:
    'the file no longer says what was applied: a tenant created now gets different tables than this one has, and nobody can tell which is intended',
  checksumsDisagree: 'the schema’s own ledger and the central one recorded different files for the same migration; one of them was changed by hand',
  temporary:
    'a tenant that can create temporary tables can make one named like a tenant table; it outlives the transaction on the pooled connection, where the next tenant’s queries could find it',
} as const

const WONT = {
  schemaMissing: 'recreating an empty schema would hide the loss; restore it from a backup or drop the tenant',
  roleOwns: 'handing the objects to another owner decides who may alter them; review them and use REASSIGN OWNED',
  ledgerMissing: 'which migrations ran cannot be proven; compare the tables with a fresh tenant and rebuild the ledger by hand',
  centralUnproven: 'the tables do not match what the migrations produce, so the schema’s own ledger proves nothing',
  ownMissing: 'which ledger is right cannot be decided safely; compare the tables with a fresh tenant and correct one ledger by hand',
  unknownMigration: 'run the schemata version that knows this migration',
  orphanWithData: 'it holds data; register it as a tenant or drop it by hand once you know whose it is',
  orphanOwner: 'its role owns objects; dropping the role would mean dropping or reassigning them',
  drift: 'changing a tenant’s tables could destroy data; write a migration, or change the table by hand',
  reference: 'fix the failing migration',
  moving: 'run the same `schemata tenant move` again to finish it, or `schemata tenant resume` to keep the tenant here',
  unknownType: 'add the type to tenantTypes in schemata.config.json, or change the tenant’s type with `schemata tenant set-type`',
  changedMigration: 'restore the file, or accept the change on purpose with `schemata migrate --repair-checksums`',
} as const

class FindingList {
  readonly items: DiagnosedFinding[] = []

  add(
    schema: string,
    check: CheckName,
    subject: string,
    severity: Severity,
    what: string,
    why: string,
    fix: { repair: Repair } | { wont: string },
  ): void {
    const fixable = 'repair' in fix
    const message = fixable ? `${what}: ${why}` : `${what}: ${why}. Not repaired by --fix: ${fix.wont}`
    this.items.push(fixable ? { schema, check, subject, severity, message, fixable, repair: fix.repair } : { schema, check, subject, severity, message, fixable })
  }
}

/** The ACL entries looked up by schema and by grantee, so checking n tenants stays linear. */
interface AclIndex {
  schemaBySchema: Map<string, AclEntry[]>
  schemaByGrantee: Map<string, AclEntry[]>
  relationBySchema: Map<string, AclEntry[]>
  relationByGrantee: Map<string, AclEntry[]>
  defaultBySchema: Map<string, DefaultAclEntry[]>
}

function indexAcls(facts: DatabaseFacts): AclIndex {
  return {
    schemaBySchema: groupBy(facts.schemaAcl, (e) => e.schema),
    schemaByGrantee: groupBy(facts.schemaAcl, (e) => e.grantee),
    relationBySchema: groupBy(facts.relationAcl, (e) => e.schema),
    relationByGrantee: groupBy(facts.relationAcl, (e) => e.grantee),
    defaultBySchema: groupBy(facts.defaultAcl, (e) => e.schema),
  }
}

function privilegesOf(entries: readonly AclEntry[], grantee: string): Set<string> {
  return new Set(entries.filter((e) => e.grantee === grantee).map((e) => e.privilege))
}

function roleProblems(role: RoleFacts, readers: string): string[] {
  const problems: string[] = []
  // A tenant session has it logged in right now with a password that expires soon; any other LOGIN is a way around the scope.
  if (role.canLogin && !role.liveSessionCredential) problems.push('LOGIN')
  if (role.superuser) problems.push('SUPERUSER')
  if (role.createDb) problems.push('CREATEDB')
  if (role.createRole) problems.push('CREATEROLE')
  if (role.replication) problems.push('REPLICATION')
  if (role.bypassRls) problems.push('BYPASSRLS')
  // A member of the shared readers role inherits its SELECT on the shared readable tables, and nothing else.
  const onlyReaders = role.memberOf.length > 0 && role.memberOf.every((other) => other === readers)
  if (role.inherit && !onlyReaders) problems.push('INHERIT')
  return problems
}

/** Checks one tenant's role: exists, is NOLOGIN and nothing more, belongs to no role, owns nothing. */
function checkRole(list: FindingList, tenant: RegisteredTenant, role: RoleFacts | undefined, schemaExists: boolean, readers: string): boolean {
  const { schema } = tenant
  if (!role) {
    list.add(
      schema,
      'role-missing',
      tenant.role,
      'error',
      `role "${tenant.role}" does not exist`,
      WHY.roleMissing,
      schemaExists ? { repair: { kind: 'create-role', schema, role: tenant.role } } : { wont: 'the tenant’s schema is missing too' },
    )
    return false
  }
  const problems = roleProblems(role, readers)
  if (problems.length > 0) {
    list.add(
      schema,
      'role-attributes',
      tenant.role,
      problems.some((p) => p !== 'INHERIT') ? 'error' : 'warning',
      `role "${tenant.role}" has ${problems.join(', ')}`,
      WHY.roleAttributes,
      {
        repair: {
          kind: 'sql',
          schema,
          // Only what is wrong: some of these need a superuser to change, the others do not.
          sql: `ALTER ROLE ${quoteIdent(tenant.role)} ${problems.map((p) => `NO${p}`).join(' ')}${problems.includes('LOGIN') ? ' PASSWORD NULL' : ''}`,
        },
      },
    )
  }
  for (const other of role.memberOf) {
    if (other === readers) continue
    list.add(schema, 'role-membership', other, 'error', `role "${tenant.role}" is a member of role "${other}"`, WHY.roleMembership, {
      repair: { kind: 'sql', schema, sql: `REVOKE ${quoteIdent(other)} FROM ${quoteIdent(tenant.role)}` },
    })
  }
  if (role.owned > 0) {
    list.add(schema, 'role-owns-objects', tenant.role, 'error', `role "${tenant.role}" owns ${role.owned} object(s)`, WHY.roleOwns, {
      wont: WONT.roleOwns,
    })
  }
  return true
}

/** USAGE on its own schema, no CREATE; nothing on any other tenant-like schema or its relations. */
function checkSchemaPrivileges(list: FindingList, acl: AclIndex, tenant: RegisteredTenant, tenantOf: Map<string, string>): void {
  const { schema, role } = tenant
  const r = quoteIdent(role)
  const own = privilegesOf(acl.schemaBySchema.get(schema) ?? [], role)
  if (!own.has('USAGE')) {
    list.add(schema, 'schema-privileges', 'usage', 'error', `role "${role}" lacks USAGE on schema "${schema}"`, WHY.ownUsage, {
      repair: { kind: 'sql', schema, sql: `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${r}` },
    })
  }
  if (own.has('CREATE')) {
    list.add(schema, 'schema-privileges', 'create', 'error', `role "${role}" has CREATE on its schema "${schema}"`, WHY.ownCreate, {
      repair: { kind: 'sql', schema, sql: `REVOKE CREATE ON SCHEMA ${quoteIdent(schema)} FROM ${r}` },
    })
  }
  const foreignSchemas = privilegesBy(acl.schemaByGrantee.get(role) ?? [], (entry) => (entry.schema === schema ? undefined : entry.schema))
  for (const [target, { privileges }] of foreignSchemas) {
    const owner = tenantOf.get(target)
    list.add(
      schema,
      'cross-tenant-access',
      `schema:${target}`,
      'error',
      `role "${role}" has ${[...privileges].sort().join(', ')} on schema "${target}"${owner ? ` of tenant "${owner}"` : ''}`,
      WHY.crossTenant,
      { repair: { kind: 'sql', schema: target, sql: `REVOKE ALL ON SCHEMA ${quoteIdent(target)} FROM ${r}` } },
    )
  }
  const foreignRelations = privilegesBy(acl.relationByGrantee.get(role) ?? [], (entry) => (entry.schema === schema ? undefined : `${entry.schema}.${entry.relation}`))
  for (const [key, { entry, privileges }] of foreignRelations) {
    list.add(
      schema,
      'cross-tenant-access',
      `relation:${key}`,
      'error',
      `role "${role}" has ${[...privileges].sort().join(', ')} on ${key}`,
      WHY.crossTenant,
      {
        repair: {
          kind: 'sql',
          schema: entry.schema,
          sql: `REVOKE ALL ON ${relationSql(entry.kind)} ${qualified(entry.schema, entry.relation)} FROM ${r}`,
        },
      },
    )
  }
}

/** Grants held by PUBLIC on a tenant-like schema or its relations reach every tenant. */
function checkPublicGrants(list: FindingList, acl: AclIndex, schema: string): void {
  const onSchema = [...privilegesOf(acl.schemaBySchema.get(schema) ?? [], 'PUBLIC')]
  if (onSchema.length > 0) {
    list.add(schema, 'cross-tenant-access', 'public:schema', 'error', `PUBLIC has ${onSchema.sort().join(', ')} on schema "${schema}"`, WHY.publicGrant, {
      repair: { kind: 'sql', schema, sql: `REVOKE ALL ON SCHEMA ${quoteIdent(schema)} FROM PUBLIC` },
    })
  }
  const byRelation = privilegesBy(acl.relationBySchema.get(schema) ?? [], (entry) => (entry.grantee === 'PUBLIC' ? entry.relation : undefined))
  for (const [relation, { entry, privileges }] of byRelation) {
    list.add(
      schema,
      'cross-tenant-access',
      `public:${relation}`,
      'error',
      `PUBLIC has ${[...privileges].sort().join(', ')} on ${schema}.${relation}`,
      WHY.publicGrant,
      { repair: { kind: 'sql', schema, sql: `REVOKE ALL ON ${relationSql(entry.kind)} ${qualified(schema, relation)} FROM PUBLIC` } },
    )
  }
}

/** Exactly the provisioned privileges on each of its relations, and none on its ledger. */
function checkTablePrivileges(list: FindingList, facts: DatabaseFacts, acl: AclIndex, tenant: RegisteredTenant): void {
  const { schema, role } = tenant
  const relations = facts.relations.get(schema) ?? new Map<string, string>()
  const byRelation = groupBy(
    (acl.relationBySchema.get(schema) ?? []).filter((e) => e.grantee === role),
    (e) => e.relation,
  )
  for (const [relation, kind] of [...relations.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const has = new Set((byRelation.get(relation) ?? []).map((e) => e.privilege))
    const target = `${relationSql(kind)} ${qualified(schema, relation)}`
    if (relation === LEDGER_TABLE) {
      if (has.size > 0) {
        list.add(schema, 'ledger-privileges', relation, 'error', `role "${role}" has ${[...has].sort().join(', ')} on its ledger ${schema}.${relation}`, WHY.ledgerPrivileges, {
          repair: { kind: 'sql', schema, sql: `REVOKE ALL ON ${target} FROM ${quoteIdent(role)}` },
        })
      }
      continue
    }
    const expected: readonly string[] = kind === 'S' ? TENANT_SEQUENCE_PRIVILEGES : TENANT_TABLE_PRIVILEGES
    const missing = expected.filter((p) => !has.has(p))
    const extra = [...has].filter((p) => !expected.includes(p)).sort()
    const sql: string[] = []
    if (missing.length > 0) sql.push(`GRANT ${privilegeList(missing)} ON ${target} TO ${quoteIdent(role)}`)
    if (extra.length > 0) sql.push(`REVOKE ${privilegeList(extra)} ON ${target} FROM ${quoteIdent(role)}`)
    if (sql.length === 0) continue
    const what = [missing.length > 0 ? `lacks ${missing.join(', ')}` : '', extra.length > 0 ? `has extra ${extra.join(', ')}` : '']
      .filter(Boolean)
      .join(' and ')
    list.add(
      schema,
      'table-privileges',
      relation,
      missing.length > 0 ? 'error' : 'warning',
      `role "${role}" ${what} on ${schema}.${relation}`,
      missing.length > 0 ? WHY.tablePrivilegesMissing : WHY.tablePrivilegesExtra,
      { repair: { kind: 'sql', schema, sql: sql.join('; ') } },
    )
  }
}

/** The schema's default privileges for tables and sequences our login creates there. */
function checkDefaultPrivileges(
  list: FindingList,
  facts: DatabaseFacts,
  acl: AclIndex,
  tenant: RegisteredTenant,
  tenantRoles: Set<string>,
): void {
  const { schema, role } = tenant
  const s = quoteIdent(schema)
  const r = quoteIdent(role)
  const entries = acl.defaultBySchema.get(schema) ?? []
  for (const [objtype, noun, expected] of [
    ['r', 'TABLES', TENANT_TABLE_PRIVILEGES],
    ['S', 'SEQUENCES', TENANT_SEQUENCE_PRIVILEGES],
  ] as const) {
    const mine = entries.filter((e) => e.objtype === objtype && e.definer === facts.currentUser && e.grantee === role)
    const has = new Set(mine.map((e) => e.privilege))
    const missing = expected.filter((p) => !has.has(p))
    const extra = [...has].filter((p) => !(expected as readonly string[]).includes(p)).sort()
    const sql: string[] = []
    if (missing.length > 0) sql.push(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${privilegeList(missing)} ON ${noun} TO ${r}`)
    if (extra.length > 0) sql.push(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} REVOKE ${privilegeList(extra)} ON ${noun} FROM ${r}`)
    if (sql.length > 0) {
      const what = [missing.length > 0 ? `lack ${missing.join(', ')}` : '', extra.length > 0 ? `add ${extra.join(', ')}` : '']
        .filter(Boolean)
        .join(' and ')
      list.add(
        schema,
        'default-privileges',
        noun.toLowerCase(),
        missing.length > 0 ? 'error' : 'warning',
        `default privileges on new ${noun.toLowerCase()} created by "${facts.currentUser}" in "${schema}" ${what} for role "${role}"`,
        WHY.defaultPrivileges,
        { repair: { kind: 'sql', schema, sql: sql.join('; ') } },
      )
    }
  }
  // Default privileges for anyone but the tenant's own role would hand the next migration's tables to them.
  const strangers = new Map<string, { definer: string; objtype: string; grantee: string }>()
  for (const e of entries) {
    if (e.grantee === role || !(e.grantee === 'PUBLIC' || tenantRoles.has(e.grantee))) continue
    strangers.set(`${e.definer}/${e.objtype}/${e.grantee}`, e)
  }
  for (const [key, e] of strangers) {
    const noun = e.objtype === 'S' ? 'SEQUENCES' : e.objtype === 'f' ? 'FUNCTIONS' : e.objtype === 'T' ? 'TYPES' : 'TABLES'
    list.add(
      schema,
      'cross-tenant-access',
      `default:${key}`,
      'error',
      `default privileges in "${schema}" grant new ${noun.toLowerCase()} created by "${e.definer}" to ${e.grantee === 'PUBLIC' ? 'PUBLIC' : `role "${e.grantee}"`}`,
      e.grantee === 'PUBLIC' ? WHY.publicGrant : WHY.crossTenant,
      {
        repair: {
          kind: 'sql',
          schema,
          sql: `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(e.definer)} IN SCHEMA ${s} REVOKE ALL ON ${noun} FROM ${granteeSql(e.grantee)}`,
        },
      },
    )
  }
}

function describeDifference(d: ShapeDifference): string {
  const what = d.kind === 'relation' ? `${d.expected ?? d.actual ?? 'relation'} ${d.name}` : `${d.kind} ${d.table}.${d.name}`
  if (d.problem === 'missing') return `${what} is missing (expected: ${d.expected})`
  if (d.problem === 'extra') return `${what} is not produced by the migrations (found: ${d.actual})`
  return `${what} differs (expected: ${d.expected}; found: ${d.actual})`
}

/** Ledgers against the known migration list and each other; tables against the reference for the ledger's level. */
async function checkMigrationsAndShape(
  list: FindingList,
  facts: DatabaseFacts,
  tenant: RegisteredTenant,
  known: readonly MigrationDefinition[],
  references: ReferenceShapes,
  referenceErrors: Map<string, string>,
): Promise<void> {
  const { schema } = tenant
  const own = facts.ownLedgers.get(schema)
  if (own === undefined) {
    const present = facts.schemas.get(schema)?.hasLedger === true
    list.add(
      schema,
      'ledger-missing',
      LEDGER_TABLE,
      'error',
      present ? `ledger ${schema}.${LEDGER_TABLE} has no "name" column` : `ledger table ${schema}.${LEDGER_TABLE} does not exist`,
      WHY.ledgerMissing,
      { wont: WONT.ledgerMissing },
    )
    return
  }
  const ownSet = new Set(own)
  const centralSet = new Set(facts.centralLedger.get(schema) ?? [])
  const knownNames = new Set(known.map((m) => m.name))
  const unknown = [...new Set([...ownSet, ...centralSet])].filter((name) => !knownNames.has(name)).sort()
  for (const name of unknown) {
    list.add(schema, 'unknown-migration', name, 'warning', `migration ${name} is recorded`, WHY.unknownMigration, { wont: WONT.unknownMigration })
  }
  checkChecksums(list, facts, schema, known)

  // Whether the tables match the reference for what the schema's own ledger says: the proof --fix needs.
  let shapeMatches = false
  if (unknown.length === 0) {
    const applied = known.filter((m) => ownSet.has(m.name))
    const level = applied.map((m) => m.name).join(', ')
    try {
      const reference = await references.get(applied)
      const differences = diffShapes(reference, facts.shapes.get(schema) ?? new Map<string, ShapeItem>())
      shapeMatches = differences.length === 0
      for (const d of differences) {
        list.add(
          schema,
          'drift',
          `${d.kind}:${d.table}.${d.name}`,
          d.problem === 'extra' ? 'warning' : 'error',
          describeDifference(d),
          WHY.drift,
          { wont: WONT.drift },
        )
      }
    } catch (error) {
      if (!referenceErrors.has(level)) referenceErrors.set(level, error instanceof Error ? error.message : String(error))
    }
  }

  const centralMissing = known.filter((m) => ownSet.has(m.name) && !centralSet.has(m.name)).map((m) => m.name)
  if (centralMissing.length > 0) {
    list.add(
      schema,
      'central-ledger-missing',
      centralMissing.join(','),
      'error',
      `public.tenant_migrations lacks ${centralMissing.join(', ')}, which ${schema}.${LEDGER_TABLE} records`,
      WHY.centralMissing,
      shapeMatches ? { repair: { kind: 'record-central', schema, names: centralMissing } } : { wont: WONT.centralUnproven },
    )
  }
  const ownMissing = known.filter((m) => centralSet.has(m.name) && !ownSet.has(m.name)).map((m) => m.name)
  if (ownMissing.length > 0) {
    list.add(
      schema,
      'own-ledger-missing',
      ownMissing.join(','),
      'error',
      `${schema}.${LEDGER_TABLE} lacks ${ownMissing.join(', ')}, which public.tenant_migrations records`,
      WHY.ownMissing,
      { wont: WONT.ownMissing },
    )
  }
  const pending = known.filter((m) => !ownSet.has(m.name) && !centralSet.has(m.name)).map((m) => m.name)
  if (pending.length > 0) {
    list.add(schema, 'migration-pending', pending.join(','), 'warning', `migration(s) ${pending.join(', ')} not applied`, WHY.pending, {
      repair: { kind: 'migrate-tenant', schema },
    })
  }
}

/** Each applied migration's recorded checksums (both ledgers) against its file's, and against each other. */
function checkChecksums(list: FindingList, facts: DatabaseFacts, schema: string, known: readonly MigrationDefinition[]): void {
  const own = facts.ownChecksums.get(schema) ?? new Map<string, string | null>()
  const central = facts.centralChecksums.get(schema) ?? new Map<string, string | null>()
  for (const migration of known) {
    const recorded = [own.get(migration.name), central.get(migration.name)].filter((sum): sum is string => typeof sum === 'string')
    if (recorded.length === 2 && recorded[0] !== recorded[1]) {
      list.add(schema, 'checksum-mismatch', migration.name, 'error', `${migration.name}: ${schema}.${LEDGER_TABLE} and public.tenant_migrations recorded different checksums`, WHY.checksumsDisagree, {
        wont: WONT.changedMigration,
      })
      continue
    }
    if (migration.checksum === undefined || recorded.length === 0 || recorded[0] === migration.checksum) continue
    const where = migration.file === undefined ? migration.name : displayPath(migration.file)
    list.add(schema, 'migration-changed', migration.name, 'error', `${where} changed since it was applied to "${schema}"`, WHY.changedMigration, {
      wont: WONT.changedMigration,
    })
  }
}

/** Shared migrations (public's ledger) whose files changed since they were applied. */
export function sharedChecksumFindings(changed: readonly { name: string; file?: string }[]): DiagnosedFinding[] {
  const list = new FindingList()
  for (const migration of changed) {
    list.add('public', 'migration-changed', migration.name, 'error', `${migration.file === undefined ? migration.name : displayPath(migration.file)} changed since it was applied to public`, WHY.changedMigration, {
      wont: WONT.changedMigration,
    })
  }
  return list.items
}

/** Tenant-like schemas and tenant-prefixed roles that have no registry row. */
function checkOrphans(list: FindingList, facts: DatabaseFacts, databaseName: string): void {
  const registeredSchemas = new Set(facts.tenants.map((t) => t.schema))
  const registeredRoles = new Set(facts.tenants.map((t) => t.role))
  const roleOfSchema = new Map<string, string>()
  for (const name of facts.schemas.keys()) roleOfSchema.set(tenantRoleName(databaseName, name), name)

  for (const [name, orphanHasData] of [...facts.orphanHasData.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const roleName = tenantRoleName(databaseName, name)
    const role = facts.roles.get(roleName)
    const orphanRole = role !== undefined && !registeredRoles.has(roleName) ? role : undefined
    const what = `schema "${name}" ${facts.schemas.get(name)?.hasLedger ? 'has a migration ledger' : `has a tenant role "${roleName}"`} but no registry row${
      orphanHasData ? ' and holds data' : ', and its tables hold no rows'
    }`
    let fix: { repair: Repair } | { wont: string } = { repair: { kind: 'drop-orphan-schema', schema: name, role: orphanRole?.name } }
    if (orphanHasData) fix = { wont: WONT.orphanWithData }
    else if (orphanRole && orphanRole.owned > 0) fix = { wont: WONT.orphanOwner }
    list.add(name, 'orphan-schema', name, orphanHasData ? 'error' : 'warning', what, WHY.orphanSchema, fix)
  }

  for (const role of [...facts.roles.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!role.name.startsWith(facts.rolePrefix) || registeredRoles.has(role.name)) continue
    const schema = roleOfSchema.get(role.name)
    if (schema !== undefined && facts.orphanHasData.has(schema)) continue // reported with its orphan schema
    const label = schema ?? role.name.slice(facts.rolePrefix.length)
    let fix: { repair: Repair } | { wont: string } = { repair: { kind: 'drop-orphan-role', role: role.name } }
    if (schema !== undefined) fix = { wont: `its schema "${schema}" exists${registeredSchemas.has(schema) ? ' and is registered with another role' : ''}` }
    else if (role.owned > 0) fix = { wont: WONT.orphanOwner }
    list.add(
      label,
      'orphan-role',
      role.name,
      'warning',
      `role "${role.name}" has this database’s tenant prefix but no registry row${schema === undefined ? ' and no schema' : ''}`,
      WHY.orphanRole,
      fix,
    )
  }
}

/** No tenant role may create temporary objects: PostgreSQL's default gives that to PUBLIC, shared migration 0006 takes it back. */
function checkTemporary(list: FindingList, facts: DatabaseFacts, databaseName: string): void {
  if (facts.publicTemporary) {
    list.add('public', 'temp-privilege', 'PUBLIC', 'error', `PUBLIC holds TEMPORARY on database "${databaseName}", so every tenant role can create temporary tables`, WHY.temporary, {
      repair: { kind: 'sql', schema: 'public', sql: REVOKE_TEMP_FROM_PUBLIC_SQL },
    })
    return
  }
  for (const tenant of facts.tenants) {
    if (facts.roles.get(tenant.role)?.temporary !== true) continue
    list.add(tenant.schema, 'temp-privilege', tenant.role, 'error', `role "${tenant.role}" may create temporary tables in database "${databaseName}"`, WHY.temporary, {
      repair: { kind: 'sql', schema: tenant.schema, sql: `REVOKE TEMPORARY ON DATABASE ${quoteIdent(databaseName)} FROM ${quoteIdent(tenant.role)}` },
    })
  }
}

/** Every invariant over the facts; `known` is the tenant migration list of this build. */
export async function checkDatabase(
  facts: DatabaseFacts,
  types: { readonly byType: ReadonlyMap<string, readonly MigrationDefinition[]>; readonly defaultType: string },
  references: ReferenceShapes,
  databaseName: string,
): Promise<DiagnosedFinding[]> {
  const list = new FindingList()
  const tenantOf = new Map(facts.tenants.map((t) => [t.schema, t.name]))
  const tenantRoles = new Set(facts.tenants.map((t) => t.role))
  for (const role of facts.roles.keys()) if (role.startsWith(facts.rolePrefix)) tenantRoles.add(role)
  const referenceErrors = new Map<string, string>()
  const acl = indexAcls(facts)

  for (const tenant of facts.tenants) {
    const schemaExists = facts.schemas.has(tenant.schema)
    if (tenant.status === 'moving') {
      list.add(tenant.schema, 'move-interrupted', tenant.schema, 'warning', `tenant "${tenant.name}" is being moved to another database`, WHY.moving, {
        wont: WONT.moving,
      })
    }
    // An archived tenant's data is in its archive file; a moved one's in the other database,
    // and its schema here is only kept until dropped.
    if (tenant.status === 'archived' || (tenant.status === 'moved' && !schemaExists)) continue
    if (!schemaExists) {
      list.add(tenant.schema, 'schema-missing', tenant.schema, 'error', `tenant "${tenant.name}" is registered but schema "${tenant.schema}" does not exist`, WHY.schemaMissing, {
        wont: WONT.schemaMissing,
      })
    }
    const roleExists = checkRole(list, tenant, facts.roles.get(tenant.role), schemaExists, facts.sharedReadersRole)
    if (!schemaExists) continue
    checkPublicGrants(list, acl, tenant.schema)
    if (roleExists) {
      checkSchemaPrivileges(list, acl, tenant, tenantOf)
      checkTablePrivileges(list, facts, acl, tenant)
      checkDefaultPrivileges(list, facts, acl, tenant, tenantRoles)
    }
    // Each tenant is checked against its own type's migrations (and that type's reference shape).
    const type = tenant.type ?? types.defaultType
    const known = types.byType.get(type)
    if (known === undefined) {
      list.add(tenant.schema, 'unknown-type', type, 'error', `tenant "${tenant.name}" is of type "${type}", which the project does not declare (its types: ${[...types.byType.keys()].join(', ')})`, WHY.unknownType, {
        wont: WONT.unknownType,
      })
      continue
    }
    await checkMigrationsAndShape(list, facts, tenant, known, references, referenceErrors)
  }
  for (const schema of facts.orphanHasData.keys()) checkPublicGrants(list, acl, schema)
  checkTemporary(list, facts, databaseName)
  checkOrphans(list, facts, databaseName)

  for (const [level, message] of referenceErrors) {
    list.add('*', 'reference', level || '(none)', 'error', `a fresh schema cannot be migrated to [${level}]: ${message}`, WHY.reference, {
      wont: WONT.reference,
    })
  }
  return list.items
}
