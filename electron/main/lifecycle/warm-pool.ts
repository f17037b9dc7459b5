import { randomBytes } from 'node:crypto'
import type { Database } from '../db/database.ts'
import { lockSchemasSql } from '../db/tenant-sql.ts'
import type { MigrationDefinition } from '../migrations/types.ts'
import { tenantRoleName } from '../tenancy/role-name.ts'
import type { ValidTenantInput } from '../tenancy/tenant-input.ts'
import { type Tenant, provisionTenant } from '../tenancy/tenant-registry.ts'
import { renameObjectsSql, translateRenameError } from './rename-tenant.ts'

/** `pool: { size: N }` in the project config: how many ready tenant schemas to keep. */
export interface PoolConfig {
  size: number
}

/** Pooled schemas are named `_pool_<hex>`: a leading underscore no generated default domain can come from. */
export const POOL_PREFIX = '_pool_'
const POOL_NAME = 'pooled'

export interface PoolStatus {
  size: number
  /** Pooled schemas at the latest migrations, ready to be claimed. */
  ready: number
  /** Pooled schemas behind the migrations (the next `migrate` brings them up). */
  behind: number
}

/** How many pooled schemas there are, and how many are ready. */
export async function poolStatus(db: Database, migrations: readonly MigrationDefinition[], size: number): Promise<PoolStatus> {
  const [row] = await db.rows<{ ready: string; behind: string }>(
    `SELECT count(*) FILTER (WHERE ok) AS ready, count(*) FILTER (WHERE NOT ok) AS behind FROM (
       SELECT NOT EXISTS (SELECT 1 FROM unnest($1::text[]) k(name)
                           WHERE NOT EXISTS (SELECT 1 FROM public.tenant_migrations m WHERE m.schema = t.schema AND m.name = k.name)) AS ok
         FROM public.tenants t WHERE t.status = 'pooled') p`,
    [migrations.map((m) => m.name)],
  )
  return { size, ready: Number(row?.ready ?? 0), behind: Number(row?.behind ?? 0) }
}

/** What the pool holds: schemas of one tenant type (the project's default) at its migrations. */
export interface PoolKind {
  type: string
  migrations: readonly MigrationDefinition[]
}

/** Creates pooled schemas until `size` exist; returns how many it made. */
export async function fillPool(db: Database, kind: PoolKind, size: number, shouldStop: () => boolean = () => false): Promise<number> {
  const [row] = await db.rows<{ n: string }>("SELECT count(*) AS n FROM public.tenants WHERE status = 'pooled'")
  let missing = size - Number(row?.n ?? 0)
  let made = 0
  while (missing > 0 && !shouldStop()) {
    const schema = `${POOL_PREFIX}${randomBytes(6).toString('hex')}`
    await provisionTenant(db, { name: POOL_NAME, schema, domains: [], type: kind.type, migrations: kind.migrations, status: 'pooled' })
    missing--
    made++
  }
  return made
}

/** Drops every pooled schema beyond `keep` (all of them with 0). */
export async function drainPool(db: Database, keep: number, drop: (schema: string) => Promise<void>): Promise<number> {
  const rows = await db.rows<{ schema: string }>("SELECT schema FROM public.tenants WHERE status = 'pooled' ORDER BY id DESC")
  const extra = rows.slice(0, Math.max(0, rows.length - keep))
  for (const row of extra) await drop(row.schema)
  return extra.length
}

/**
 * Claims a ready pooled schema for a new tenant in one transaction: the
 * pooled schema and its role are renamed into place, the registry row takes
 * the tenant's name, and its domains are added. Returns undefined (nothing
 * changed) when no pooled schema is ready, so the caller creates normally.
 * Two claims at once take different rows (SKIP LOCKED). Only a pooled
 * schema at the latest migrations is taken, and a migrator only works on
 * schemas behind them, so a claim never renames a schema under a migration;
 * a drop of a pooled schema and a claim of it meet on the row lock.
 */
export async function claimPooled(db: Database, kind: PoolKind, input: ValidTenantInput): Promise<Tenant | undefined> {
  const role = tenantRoleName(db.databaseName, input.schema)
  try {
    return await db.transaction(async (tx) => {
      tx.exec(lockSchemasSql([input.schema]))
      // One statement picks a ready pooled row, locks it and its schema, and moves the registry
      // row into place; the central ledger follows the new schema name (ON UPDATE CASCADE).
      const [row] = await tx.rows<{ id: string; schema: string; role: string; created_at: Date }>(
        `WITH pick AS (
           SELECT t.id, t.schema, t.role FROM public.tenants t
            WHERE t.status = 'pooled' AND t.type = $6
              AND NOT EXISTS (SELECT 1 FROM unnest($4::text[]) k(name)
                               WHERE NOT EXISTS (SELECT 1 FROM public.tenant_migrations m WHERE m.schema = t.schema AND m.name = k.name))
            ORDER BY t.id
            FOR UPDATE SKIP LOCKED
            LIMIT 1
         ), claimed AS (
           UPDATE public.tenants t SET name = $1, schema = $2, role = $3, status = 'active', created_at = now(), updated_at = now()
             FROM pick WHERE t.id = pick.id
           RETURNING t.id, t.created_at
         ), d AS (
           INSERT INTO public.domains (tenant_id, domain, is_primary)
           SELECT c.id, x.domain, x.ord = 1 FROM claimed c, unnest($5::text[]) WITH ORDINALITY AS x(domain, ord)
         )
         SELECT pick.id, pick.schema, pick.role, claimed.created_at FROM pick JOIN claimed ON claimed.id = pick.id`,
        [input.name, input.schema, role, kind.migrations.map((m) => m.name), input.domains, kind.type],
      )
      if (!row) return undefined
      tx.exec(renameObjectsSql({ schema: row.schema, role: row.role }, { schema: input.schema, role }))
      return {
        name: input.name,
        schema: input.schema,
        type: kind.type,
        role,
        status: 'active' as const,
        domains: input.domains,
        createdAt: row.created_at.toISOString(),
      }
    })
  } catch (error) {
    throw translateRenameError(error, input.schema, 'schema')
  }
}
