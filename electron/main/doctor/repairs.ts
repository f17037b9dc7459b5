import type { Transaction } from 'sequelize'
import type { Database } from '../db/database.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { joinSharedReadersSql } from '../tenancy/shared-readers.ts'
import { createTenantRoleSql, dropTenantRoleSql, grantExistingObjectsSql, lockSchemaSql } from '../db/tenant-sql.ts'
import { SchemataError } from '../errors.ts'
import { LEDGER_TABLE } from '../migrations/ledger-storage.ts'
import { tenantRoleName } from '../tenancy/role-name.ts'
import type { Tenancy } from '../tenancy/service.ts'
import type { Repair } from './findings.ts'

/** A precondition of a repair no longer holds: something changed since the diagnosis. */
export class RepairRefusedError extends SchemataError {
  constructor(message: string) {
    super('CONFLICT', message)
  }
}

/**
 * Runs `fn` in a transaction holding the schema's advisory lock — the same
 * lock the migrator and dropTenant take — so a repair never races them.
 */
async function underSchemaLock(db: Database, schema: string, fn: (transaction: Transaction) => Promise<void>): Promise<void> {
  await db.sequelize.transaction(async (transaction) => {
    await db.exec(lockSchemaSql(schema), undefined, transaction)
    await fn(transaction)
  })
}

async function isRegisteredSchema(db: Database, schema: string, transaction: Transaction): Promise<boolean> {
  return (await db.rows('SELECT 1 AS ok FROM public.tenants WHERE schema = $1', [schema], transaction)).length > 0
}

async function ownedCount(db: Database, role: string, transaction: Transaction): Promise<number> {
  const [row] = await db.rows<{ n: string }>(
    `SELECT count(*) AS n FROM pg_shdepend s JOIN pg_roles r ON r.oid = s.refobjid
      WHERE s.refclassid = 'pg_authid'::regclass AND s.deptype = 'o' AND r.rolname = $1`,
    [role],
    transaction,
  )
  return Number(row?.n ?? 0)
}

/** Drops a role that owns nothing: DROP OWNED then only revokes what it was granted in this database. */
async function dropUnownedRole(db: Database, role: string, transaction: Transaction): Promise<void> {
  if ((await ownedCount(db, role, transaction)) > 0) throw new RepairRefusedError(`role "${role}" owns objects now; left alone`)
  await db.exec(dropTenantRoleSql(role), undefined, transaction)
}

async function createRole(db: Database, schema: string, role: string): Promise<void> {
  await underSchemaLock(db, schema, async (transaction) => {
    const [state] = await db.rows<{ registered: boolean; schema_exists: boolean; role_exists: boolean; superuser: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM public.tenants WHERE schema = $1 AND role = $2) AS registered,
              EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
              EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role_exists,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`,
      [schema, role],
      transaction,
    )
    if (!state?.registered || !state.schema_exists) throw new RepairRefusedError(`tenant "${schema}" changed meanwhile; left alone`)
    if (state.role_exists) return
    // The grants provisioning gives, and what default privileges would have given the tables
    // that exist already, but for the ledger.
    await db.exec(
      `${createTenantRoleSql(schema, role, { grantToSelf: !state.superuser })};\n${grantExistingObjectsSql(schema, role, [LEDGER_TABLE])};\n${joinSharedReadersSql(db.databaseName, role)}`,
      undefined,
      transaction,
    )
  })
}

async function recordCentral(db: Database, schema: string, names: readonly string[]): Promise<void> {
  await underSchemaLock(db, schema, async (transaction) => {
    if (!(await isRegisteredSchema(db, schema, transaction))) throw new RepairRefusedError(`tenant "${schema}" was dropped meanwhile`)
    // The schema's own rows, with their own applied_at: the central ledger then says what the schema says.
    await db.exec(
      `INSERT INTO public.tenant_migrations (schema, name, applied_at)
       SELECT $1, l.name, l.applied_at FROM ${qualified(schema, LEDGER_TABLE)} l WHERE l.name = ANY($2::text[])
       ON CONFLICT (schema, name) DO NOTHING`,
      [schema, names],
      transaction,
    )
  })
}

async function dropOrphanRole(db: Database, role: string): Promise<void> {
  await db.sequelize.transaction(async (transaction) => {
    const [state] = await db.rows<{ registered: boolean; schemas: string[] }>(
      `SELECT EXISTS (SELECT 1 FROM public.tenants WHERE role = $1) AS registered,
              ARRAY(SELECT nspname::text FROM pg_namespace) AS schemas`,
      [role],
      transaction,
    )
    if (state?.registered) throw new RepairRefusedError(`role "${role}" belongs to a tenant now; left alone`)
    if (state?.schemas.some((schema) => tenantRoleName(db.databaseName, schema) === role)) {
      throw new RepairRefusedError(`role "${role}" has a schema now; left alone`)
    }
    await dropUnownedRole(db, role, transaction)
  })
}

async function dropOrphanSchema(db: Database, schema: string, role: string | undefined): Promise<void> {
  await underSchemaLock(db, schema, async (transaction) => {
    if (await isRegisteredSchema(db, schema, transaction)) throw new RepairRefusedError(`schema "${schema}" belongs to a tenant now; left alone`)
    const tables = (
      await db.rows<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
        [schema],
        transaction,
      )
    ).map((row) => row.name)
    if (tables.length > 0) {
      const list = tables.map((table) => qualified(schema, table)).join(', ')
      // Locked first, so no row can arrive between the emptiness check and the drop.
      await db.exec(`LOCK TABLE ${list} IN ACCESS EXCLUSIVE MODE`, undefined, transaction)
      const data = tables.filter((table) => table !== LEDGER_TABLE)
      if (data.length > 0) {
        const [row] = await db.rows<{ has_data: boolean }>(
          `SELECT ${data.map((table) => `EXISTS (SELECT 1 FROM ${qualified(schema, table)})`).join(' OR ')} AS has_data`,
          undefined,
          transaction,
        )
        if (row?.has_data) throw new RepairRefusedError(`schema "${schema}" holds data now; left alone`)
      }
      // RESTRICT throughout: anything else in or depending on the schema makes this fail instead of cascading.
      await db.exec(`DROP TABLE ${list} RESTRICT`, undefined, transaction)
    }
    await db.exec(`DROP SCHEMA ${quoteIdent(schema)} RESTRICT`, undefined, transaction)
    if (role !== undefined) {
      const [registered] = await db.rows('SELECT 1 AS ok FROM public.tenants WHERE role = $1', [role], transaction)
      if (!registered) await dropUnownedRole(db, role, transaction)
    }
  })
}

/** Applies one repair; throws when it could not (the caller reports the finding as not fixed). */
export async function applyRepair(tenancy: Tenancy, repair: Exclude<Repair, { kind: 'migrate-tenant' | 'migrate-shared' }>): Promise<void> {
  const { db } = tenancy
  switch (repair.kind) {
    case 'sql':
      return underSchemaLock(db, repair.schema, (transaction) => db.exec(repair.sql, undefined, transaction))
    case 'create-role':
      return createRole(db, repair.schema, repair.role)
    case 'record-central':
      return recordCentral(db, repair.schema, repair.names)
    case 'drop-orphan-role':
      return dropOrphanRole(db, repair.role)
    case 'drop-orphan-schema':
      return dropOrphanSchema(db, repair.schema, repair.role)
  }
}

/** Repairs run in this order: the registry first, then roles, grants, ledgers, migrations, and orphans last. */
export const REPAIR_ORDER: readonly Repair['kind'][] = [
  'migrate-shared',
  'drop-orphan-role',
  'create-role',
  'sql',
  'record-central',
  'migrate-tenant',
  'drop-orphan-schema',
]
