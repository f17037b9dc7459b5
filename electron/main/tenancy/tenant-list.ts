import type { MigrationDefinition } from '../migrations/types.ts'
import type { TenantStatus } from '../../../contract/types.ts'
import type { Tenant, TenantSummary } from './tenant-registry.ts'

/*
 * The registry's list of tenants as one statement and a mapping of its rows,
 * with no database layer attached: the core runs it through Sequelize
 * (listTenants), and `schemata tenant list` over one plain pg client, so the
 * CLI's most common read need not load Sequelize and gives the same answer.
 */

/** A row of public.tenants as the registry's queries select it. */
export interface TenantRow {
  name: string
  schema: string
  type: string
  role: string
  status: TenantStatus
  created_at: Date
  domains: string[]
  applied: string[]
  size_bytes?: string
  archive_path?: string | null
  archive_sha256?: string | null
  archived_at?: Date | null
  moved_to?: string | null
}

/** The registry row as the core's Tenant. */
export function toTenant(row: TenantRow): Tenant {
  return {
    name: row.name,
    schema: row.schema,
    type: row.type,
    role: row.role,
    status: row.status,
    domains: row.domains,
    createdAt: row.created_at.toISOString(),
  }
}

/** Every tenant but pooled schemas, with its domains, applied migrations and size on disk, ordered by name. */
export const LIST_TENANTS_SQL = `SELECT t.name, t.schema, t.type, t.role, t.status, t.created_at,
          coalesce((SELECT array_agg(d.domain ORDER BY d.is_primary DESC, d.domain)
                      FROM public.domains d WHERE d.tenant_id = t.id), '{}') AS domains,
          coalesce((SELECT array_agg(m.name) FROM public.tenant_migrations m WHERE m.schema = t.schema), '{}') AS applied,
          coalesce(s.size_bytes, 0) AS size_bytes,
          t.archive_path, t.archive_sha256, t.archived_at, t.moved_to
     FROM public.tenants t
     -- Sizes in one pass over pg_class: it has no index on relnamespace alone, so a
     -- per-tenant subquery scanned the whole catalog once per tenant (quadratic in N).
     LEFT JOIN (SELECT n.nspname, sum(pg_total_relation_size(c.oid)) AS size_bytes
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'm', 'p')
                 GROUP BY n.nspname) s ON s.nspname = t.schema
    WHERE t.status <> 'pooled'
    ORDER BY t.name, t.schema`

/** A row of LIST_TENANTS_SQL as a TenantSummary, its pending migrations those of its type (`types`) it has not applied. */
export function toTenantSummary(row: TenantRow, types: ReadonlyMap<string, readonly MigrationDefinition[]>): TenantSummary {
  // A type the project does not declare has nothing known to apply (migrate reports it).
  const known = (types.get(row.type) ?? []).map((m) => m.name)
  // An archived or moved tenant's migration level is in its archive or the other database.
  const applied = new Set(row.status === 'archived' || row.status === 'moved' ? known : row.applied)
  return {
    ...toTenant(row),
    appliedMigrations: known.filter((name) => applied.has(name)).length,
    pendingMigrations: known.filter((name) => !applied.has(name)),
    sizeBytes: Number(row.size_bytes ?? 0),
    ...(row.archive_path && row.archive_sha256 && row.archived_at
      ? { archive: { path: row.archive_path, sha256: row.archive_sha256, archivedAt: row.archived_at.toISOString() } }
      : {}),
    ...(row.moved_to ? { movedTo: row.moved_to } : {}),
  }
}
