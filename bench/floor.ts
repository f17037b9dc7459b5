import { quoteIdent, quoteLiteral } from '../electron/main/db/sql.ts'
import { createTenantRoleSql, dropTenantRoleSql } from '../electron/main/db/tenant-sql.ts'
import { ledgerTableSql, recordAppliedInline } from '../electron/main/migrations/ledger-storage.ts'
import type { MigrationDefinition } from '../electron/main/migrations/types.ts'
import { tenantRoleName } from '../electron/main/tenancy/role-name.ts'

/**
 * The floor: what PostgreSQL itself needs for a tenant operation. It is the
 * same SQL the tenancy core causes — the same DDL text (captured from the very
 * migration objects the core runs), role, grants, registry and ledger rows —
 * sent as ONE simple-protocol round trip holding one transaction. Nothing can
 * do the same work with fewer trips or less server work, so `ratioToFloor`
 * is pure overhead of the core (client code plus extra round trips).
 */

/** A migration's SQL, captured by running its `up` against a recording context. */
export interface CapturedMigration {
  name: string
  sql: string[]
  /** The file's checksum, recorded in both ledgers as the core records it. */
  checksum?: string
}

/** Records the statements each migration sends; tenant migrations are plain DDL with no bind parameters. */
export async function captureMigrationSql(migrations: readonly MigrationDefinition[]): Promise<CapturedMigration[]> {
  const captured: CapturedMigration[] = []
  for (const migration of migrations) {
    const sql: string[] = []
    const capture = (text: string, bind?: readonly unknown[]): Promise<void> => {
      if (bind !== undefined && bind.length > 0) {
        return Promise.reject(new Error(`${migration.name}: the floor cannot replay a migration that uses bind parameters`))
      }
      // Trailing semicolons would become empty statements once the pieces are joined.
      sql.push(text.trim().replace(/;+$/, ''))
      return Promise.resolve()
    }
    await migration.up({
      schema: 'floor_capture',
      query: (text, bind) => capture(text, bind).then(() => []),
      exec: capture,
    })
    captured.push({ name: migration.name, sql, ...(migration.checksum === undefined ? {} : { checksum: migration.checksum }) })
  }
  return captured
}

export interface FloorTenant {
  name: string
  schema: string
  domain: string
  /** The tenant type the registry row names (the project's default type, as the core writes it). */
  type: string
}

function checksumsOf(migrations: readonly CapturedMigration[]): Map<string, string> {
  return new Map(migrations.flatMap((m) => (m.checksum === undefined ? [] : [[m.name, m.checksum] as const])))
}

/**
 * One tenant's creation as one transaction in one round trip: registry and domain
 * rows, schema, ledger table, role, grants and default privileges (as the core's
 * `provisionSql`), every tenant migration's DDL, and both ledgers' rows.
 */
export function floorCreateTenantSql(
  database: string,
  tenant: FloorTenant,
  migrations: readonly CapturedMigration[],
  options: { grantToSelf: boolean },
): string {
  const s = quoteIdent(tenant.schema)
  const roleName = tenantRoleName(database, tenant.schema)
  return `BEGIN;
WITH t AS (
  INSERT INTO public.tenants (name, schema, role, type)
  VALUES (${quoteLiteral(tenant.name)}, ${quoteLiteral(tenant.schema)}, ${quoteLiteral(roleName)}, ${quoteLiteral(tenant.type)}) RETURNING id
)
INSERT INTO public.domains (tenant_id, domain, is_primary) SELECT t.id, ${quoteLiteral(tenant.domain)}, true FROM t;
CREATE SCHEMA ${s};
${ledgerTableSql(tenant.schema)};
${createTenantRoleSql(tenant.schema, roleName, options)};
SET LOCAL search_path TO ${s}, public, pg_temp;
${migrations.flatMap((m) => m.sql).join(';\n')};
${recordAppliedInline(tenant.schema, true, migrations.map((m) => m.name), checksumsOf(migrations))};
COMMIT;`
}

/** Undoes `floorCreateTenantSql` (used for the warm-up tenants only). */
export function floorDropTenantSql(database: string, schema: string): string {
  return `BEGIN;
DELETE FROM public.tenants WHERE schema = ${quoteLiteral(schema)};
DROP SCHEMA ${quoteIdent(schema)} CASCADE;
${dropTenantRoleSql(tenantRoleName(database, schema))};
COMMIT;`
}

/** One schema's share of a fleet migration: its DDL and both ledger rows, one transaction, one round trip. */
export function floorMigrateSchemaSql(schema: string, migration: CapturedMigration): string {
  return `BEGIN;
SET LOCAL search_path TO ${quoteIdent(schema)}, public, pg_temp;
${migration.sql.join(';\n')};
${recordAppliedInline(schema, true, [migration.name], checksumsOf([migration]))};
COMMIT;`
}
