import type { Transaction } from 'sequelize'
import type { Database } from '../db/database.ts'
import { SqlState, pgErrorOf } from '../db/pg-error.ts'
import { type DbTransaction, failedStatementLabel } from '../db/pipelined-transaction.ts'
import { quoteIdent } from '../db/sql.ts'
import { createTenantRoleSql, dropTenantRoleSql, lockSchemaSql } from '../db/tenant-sql.ts'
import { InvalidInputError, MigrationFailedError, TenantNotFoundError, quoteForMessage } from '../errors.ts'
import { ledgerTableSql } from '../migrations/ledger-storage.ts'
import { applyMigrations, asMigrationFailure } from '../migrations/migrate-schema.ts'
import type { MigrationDefinition } from '../migrations/types.ts'
import { tenantRoleName } from './role-name.ts'
import { joinSharedReadersSql } from './shared-readers.ts'
import { assertSchemaName } from './schema-name.ts'
import { type CreateTenantInput, validateDomains, validateTenantInput } from './tenant-input.ts'
import { LIST_TENANTS_SQL, type TenantRow, toTenant, toTenantSummary } from './tenant-list.ts'

export type { TenantStatus } from '../../../contract/types.ts'
import type { TenantStatus } from '../../../contract/types.ts'

export interface Tenant {
  name: string
  schema: string
  /** Which of the project's tenant types it is: it gets that type's migrations. */
  type: string
  role: string
  status: TenantStatus
  domains: string[]
  createdAt: string
}

export interface TenantSummary extends Tenant {
  appliedMigrations: number
  pendingMigrations: string[]
  sizeBytes: number
  archive?: { path: string; sha256: string; archivedAt: string }
  movedTo?: string
}

export interface RegistryOptions {
  /** The default type's migrations. */
  tenantMigrations: readonly MigrationDefinition[]
  /** Each tenant type's migrations. */
  types: ReadonlyMap<string, readonly MigrationDefinition[]>
  defaultType: string
  /** Base domain whose subdomains name tenants; also used for default domains. */
  baseDomain: string
}

const superuserCache = new WeakMap<Database, Promise<boolean>>()

/** Whether our login can SET ROLE to any role; if not it must be granted each tenant role. */
function isSuperuser(db: Database): Promise<boolean> {
  let cached = superuserCache.get(db)
  if (!cached) {
    cached = db
      .rows<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')
      .then((rows) => rows[0]?.rolsuper === true)
    superuserCache.set(db, cached)
  }
  return cached
}

/** Maps a constraint violation from tenant creation to the field the user got wrong. */
async function translateCreateError(db: Database, error: unknown, schema: string): Promise<unknown> {
  const pg = pgErrorOf(error)
  if (!pg) return error
  if (pg.code === SqlState.uniqueViolation) {
    if (pg.constraint === 'domains_pkey') {
      const domain = /\(domain\)=\(([^)]*)\)/.exec(pg.detail ?? '')?.[1] ?? ''
      return new InvalidInputError('domains', `${quoteForMessage(domain, 253)} already belongs to another tenant`, { cause: error })
    }
    // Only the registry's own keys mean "taken"; a duplicate inside the tenant's tables (a clone or
    // import's rows) is reported as what it is.
    if (pg.constraint?.startsWith('tenants_')) return new InvalidInputError('schema', `a tenant with schema "${schema}" already exists`, { cause: error })
    return error
  }
  if (pg.code === SqlState.duplicateSchema) {
    // CREATE SCHEMA comes first, so a registered tenant's name shows up here too: say which case it is.
    const registered = (await db.rows('SELECT 1 FROM public.tenants WHERE schema = $1', [schema])).length > 0
    return registered
      ? new InvalidInputError('schema', `a tenant with schema "${schema}" already exists`, { cause: error })
      : new InvalidInputError('schema', `schema "${schema}" already exists in the database (not a registered tenant)`, { cause: error })
  }
  if (pg.code === SqlState.duplicateObject) {
    return new InvalidInputError('schema', `the role for schema "${schema}" already exists in this PostgreSQL server`, {
      cause: error,
    })
  }
  return error
}

/** DDL giving a tenant its schema, ledger, role and grants (shared readable tables included). */
function provisionSql(database: string, schema: string, role: string, grantToSelf: boolean): string {
  // The schema lock first: a drop of the same name still in progress is waited for, not
  // mistaken for an existing schema. The ledger is created before the default privileges,
  // so the tenant role gets no rights on it.
  return [
    lockSchemaSql(schema),
    `CREATE SCHEMA ${quoteIdent(schema)}`,
    ledgerTableSql(schema),
    createTenantRoleSql(schema, role, { grantToSelf }),
    joinSharedReadersSql(database, role),
    `SET LOCAL search_path TO ${quoteIdent(schema)}, public, pg_temp`,
  ].join(';\n')
}

/** What `provisionTenant` builds: a validated tenant, at a given migration level, optionally filled. */
export interface ProvisionPlan {
  name: string
  schema: string
  domains: string[]
  /** The tenant's type (recorded in the registry): the project's default type for a new tenant; a source's for a clone or import. */
  type: string
  /** The tenant migrations to apply, in order: all of them for a new tenant; a source's level for a clone or import. */
  migrations: readonly MigrationDefinition[]
  /** `pooled` for a warm-pool schema (no domains, invisible to routing and lists). */
  status?: 'active' | 'pooled'
  /** Revive the `archived` registry row of this schema (its id and domains) instead of inserting one. */
  reviveArchived?: boolean
  /** Recorded on the row: the move that brought this tenant here (see move-tenant.ts). */
  originMoveId?: string
  /** Statements to run right after BEGIN, before the provisioning (e.g. a lock on a clone's source). */
  before?: string
  /** Runs in the transaction after the migrations, before COMMIT: a failure rolls everything back. */
  fill?: (transaction: DbTransaction) => Promise<void>
}

/**
 * Creates a tenant in one transaction: registry rows, schema, role, grants and
 * every tenant migration. PostgreSQL's transactional DDL means a failure at any
 * step leaves nothing behind — no schema, no role, no registry row.
 */
export async function createTenant(db: Database, options: RegistryOptions, input: CreateTenantInput): Promise<Tenant> {
  const valid = validateTenantInput(input, options.baseDomain)
  const type = input.type ?? options.defaultType
  return provisionTenant(db, { ...valid, type, migrations: migrationsOfTenantType(options, type) })
}

/** A tenant type's migrations, or InvalidInputError naming the types there are. */
export function migrationsOfTenantType(options: Pick<RegistryOptions, 'types'>, type: unknown, field = 'type'): readonly MigrationDefinition[] {
  const migrations = typeof type === 'string' ? options.types.get(type) : undefined
  if (migrations === undefined) {
    const known = [...options.types.keys()].map((name) => `"${name}"`).join(', ')
    throw new InvalidInputError(field, `${typeof type === 'string' ? quoteForMessage(type) : 'the type'} is not a tenant type of this project (one of ${known})`)
  }
  return migrations
}

/**
 * Builds a tenant in one transaction — registry rows, schema, ledger, role,
 * grants, the plan's migrations, and whatever `fill` adds — or nothing at all.
 * The plan's fields must already be validated.
 */
export async function provisionTenant(db: Database, plan: ProvisionPlan): Promise<Tenant> {
  const role = tenantRoleName(db.databaseName, plan.schema)
  const grantToSelf = !(await isSuperuser(db))
  const status = plan.status ?? 'active'
  // Round trips are the cost of creating a tenant (the DDL itself is fast), so nothing is
  // waited for until COMMIT: BEGIN with the schema, its ledger, role, grants and search_path;
  // one statement for the registry and domain rows; every migration's DDL with its ledger rows,
  // and the COMMIT — all go out at once and PostgreSQL runs them in order. A duplicate schema
  // fails at the first, a duplicate domain at the second; either way nothing is left.
  try {
    const { inserted } = await db.transaction(async (tx) => {
      if (plan.before !== undefined) tx.exec(plan.before)
      tx.exec(provisionSql(db.databaseName, plan.schema, role, grantToSelf))
      const registry = plan.reviveArchived
        ? `UPDATE public.tenants SET name = $1, role = $3, status = $5, archive_path = NULL, archive_sha256 = NULL,
                  archived_at = NULL, origin_move_id = $6, type = $7, updated_at = now()
            WHERE schema = $2 AND status = 'archived' RETURNING id, created_at`
        : `INSERT INTO public.tenants (name, schema, role, status, origin_move_id, type) VALUES ($1, $2, $3, $5, $6, $7) RETURNING id, created_at`
      const rows = tx.rows<{ created_at: Date }>(
        `WITH t AS (${registry}
         ), d AS (
           INSERT INTO public.domains (tenant_id, domain, is_primary)
           SELECT t.id, x.domain, x.ord = 1 FROM t, unnest($4::text[]) WITH ORDINALITY AS x(domain, ord)
         )
         SELECT created_at FROM t`,
        [plan.name, plan.schema, role, plan.reviveArchived ? [] : plan.domains, status, plan.originMoveId ?? null, plan.type],
      )
      // A new schema gets the plan's migrations, in order, each recorded in both ledgers.
      await applyMigrations(tx, { schema: plan.schema, migrations: plan.migrations, mirrorToCentral: true, applied: [] })
      if (plan.reviveArchived && (await rows).length === 0) throw new TenantNotFoundError(plan.schema)
      if (plan.fill) await plan.fill(tx)
      // Handed out unawaited: its answer arrives with COMMIT's, not a round trip before it.
      return { inserted: rows }
    }, { resetSession: db.sessionResetSql })
    const [row] = await inserted
    return {
      name: plan.name,
      schema: plan.schema,
      type: plan.type,
      role,
      status,
      domains: plan.domains,
      createdAt: (row?.created_at ?? new Date()).toISOString(),
    }
  } catch (error) {
    throw await translateCreateError(db, createFailure(plan.schema, error), plan.schema)
  }
}

/**
 * What to report for a failed creation: the first statement that failed (the
 * transaction reports no other), as a MigrationFailedError when it belonged to
 * a migration.
 */
function createFailure(schema: string, error: unknown): unknown {
  if (error instanceof MigrationFailedError) return error
  return failedStatementLabel(error) === undefined ? error : asMigrationFailure(schema, error)
}

/**
 * Removes a tenant's schema (with its data), role and registry rows, in one
 * transaction of two round trips: BEGIN with the schema lock and the registry
 * delete, which hands back the role; then the drops with COMMIT.
 */
export async function dropTenant(db: Database, schema: string): Promise<void> {
  assertSchemaName(schema, 'schema')
  await db.transaction(async (transaction) => {
    // Wait for a migrator working on this schema instead of dropping under it.
    transaction.exec(lockSchemaSql(schema))
    const [row] = await transaction.rows<{ role: string; role_exists: boolean }>(
      `WITH d AS (DELETE FROM public.tenants WHERE schema = $1 RETURNING role)
       SELECT d.role, EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = d.role) AS role_exists FROM d`,
      [schema],
    )
    if (!row) throw new TenantNotFoundError(schema)
    transaction.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`)
    if (row.role_exists) transaction.exec(dropTenantRoleSql(row.role))
  })
}

/**
 * Suspends or resumes a tenant; a suspended tenant's scope is refused.
 * Resuming also ends an interrupted move on this side (the tenant stays here).
 */
export async function setTenantStatus(db: Database, schema: string, status: TenantStatus): Promise<void> {
  assertSchemaName(schema, 'schema')
  if (status !== 'active' && status !== 'suspended') throw new InvalidInputError('status', 'must be "active" or "suspended"')
  const [row] = await db.rows<{ status: TenantStatus; changed: boolean }>(
    `WITH old AS (SELECT id, status FROM public.tenants WHERE schema = $1 FOR UPDATE),
          changed AS (UPDATE public.tenants t SET status = $2, updated_at = now(),
                             moved_to = NULL, moved_at = NULL, move_id = NULL
                        FROM old WHERE t.id = old.id AND old.status IN ('active', 'suspended', 'moving') RETURNING t.id)
     SELECT old.status, EXISTS (SELECT 1 FROM changed) AS changed FROM old`,
    [schema, status],
  )
  if (!row || row.status === 'pooled') throw new TenantNotFoundError(schema)
  if (!row.changed) {
    throw new InvalidInputError('schema', `tenant "${schema}" is ${row.status}${row.status === 'archived' ? '; bring it back with "tenant unarchive"' : ''}`)
  }
}

/** Replaces a tenant's domains; the first becomes primary. */
export async function setTenantDomains(db: Database, schema: string, domains: readonly string[]): Promise<void> {
  assertSchemaName(schema, 'schema')
  const list = validateDomains(domains)
  try {
    await db.sequelize.transaction(async (transaction: Transaction) => {
      const [tenant] = await db.rows<{ id: string }>('SELECT id FROM public.tenants WHERE schema = $1 FOR UPDATE', [schema], transaction)
      if (!tenant) throw new TenantNotFoundError(schema)
      await db.exec('DELETE FROM public.domains WHERE tenant_id = $1', [tenant.id], transaction)
      await db.exec(
        `INSERT INTO public.domains (tenant_id, domain, is_primary)
         SELECT $1, x.domain, x.ord = 1 FROM unnest($2::text[]) WITH ORDINALITY AS x(domain, ord)`,
        [tenant.id, list],
        transaction,
      )
    })
  } catch (error) {
    throw await translateCreateError(db, error, schema)
  }
}

/** Every tenant with its domains, migration state and size on disk, ordered by name. */
export async function listTenants(db: Database, options: RegistryOptions): Promise<TenantSummary[]> {
  const rows = await db.rows<TenantRow>(LIST_TENANTS_SQL)
  return rows.map((row) => toTenantSummary(row, options.types))
}

/** One tenant by schema, or TenantNotFoundError. */
export async function getTenant(db: Database, schema: string): Promise<Tenant> {
  assertSchemaName(schema, 'schema')
  const [row] = await db.rows<TenantRow>(
    `SELECT t.name, t.schema, t.type, t.role, t.status, t.created_at,
            coalesce((SELECT array_agg(d.domain ORDER BY d.is_primary DESC, d.domain)
                        FROM public.domains d WHERE d.tenant_id = t.id), '{}') AS domains,
            '{}'::text[] AS applied
       FROM public.tenants t WHERE t.schema = $1 AND t.status <> 'pooled'`,
    [schema],
  )
  if (!row) throw new TenantNotFoundError(schema)
  return toTenant(row)
}

/** "Who is behind": each tenant's pending tenant migrations, in one query over the central ledger. */
export async function tenantsBehind(
  db: Database,
  options: Pick<RegistryOptions, 'types'>,
): Promise<{ schema: string; pending: string[] }[]> {
  // Every (type, migration) pair: each tenant is held to its own type's list.
  const pairs = [...options.types].flatMap(([type, migrations]) => migrations.map((m) => [type, m.name] as const))
  // One hash anti-join over the whole fleet, answered as one row per distinct pending list
  // rather than per tenant: at 10,000 tenants, shipping and parsing a row per tenant cost more
  // than the query itself. `pos` carries PostgreSQL's ORDER BY schema (its collation) across.
  const groups = await db.rows<{ pending: string[]; schemas: string[]; positions: (string | number)[] }>(
    `WITH missing AS (
       SELECT t.schema, k.name
         FROM public.tenants t JOIN unnest($1::text[], $2::text[]) AS k(type, name) ON k.type = t.type
        WHERE t.status NOT IN ('archived', 'moved') AND NOT EXISTS (SELECT 1 FROM public.tenant_migrations m WHERE m.schema = t.schema AND m.name = k.name)
     ), behind AS (
       SELECT schema, array_agg(name ORDER BY name) AS pending FROM missing GROUP BY schema
     ), ranked AS (
       SELECT schema, pending, row_number() OVER (ORDER BY schema) AS pos FROM behind
     )
     SELECT pending, array_agg(schema) AS schemas, array_agg(pos) AS positions FROM ranked GROUP BY pending`,
    [pairs.map(([type]) => type), pairs.map(([, name]) => name)],
  )
  const result = new Array<{ schema: string; pending: string[] }>(groups.reduce((n, group) => n + group.schemas.length, 0))
  for (const group of groups) {
    group.schemas.forEach((schema, i) => {
      result[Number(group.positions[i]) - 1] = { schema, pending: [...group.pending] }
    })
  }
  return result
}
