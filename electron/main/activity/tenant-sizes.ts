import type { TenantSizes } from '../../../contract/activity-types.ts'
import type { Database } from '../db/database.ts'

interface SizeRow {
  schema: string
  table_bytes: number
  index_bytes: number
  toast_bytes: number
}

/** Zero sizes, for a tenant whose schema holds nothing (or is gone). */
export function zeroSizes(): TenantSizes {
  return { tableBytes: 0, indexBytes: 0, toastBytes: 0, totalBytes: 0 }
}

/**
 * Every tenant's on-disk size, split into table data (main fork, free-space
 * and visibility maps), indexes, and TOAST (out-of-line values and their
 * index). One statement; each relation costs PostgreSQL a few stat() calls.
 */
export async function readTenantSizes(db: Database, only?: string): Promise<Map<string, TenantSizes>> {
  const rows = await db.rows<SizeRow>(
    `SELECT t.schema,
            coalesce(sum(pg_relation_size(c.oid, 'main') + pg_relation_size(c.oid, 'fsm') + pg_relation_size(c.oid, 'vm'))
                     FILTER (WHERE c.relkind IN ('r', 'm')), 0)::float8 AS table_bytes,
            coalesce(sum(pg_relation_size(c.oid)) FILTER (WHERE c.relkind = 'i'), 0)::float8 AS index_bytes,
            coalesce(sum(pg_total_relation_size(c.reltoastrelid)) FILTER (WHERE c.relkind IN ('r', 'm') AND c.reltoastrelid <> 0), 0)::float8
              AS toast_bytes
       FROM public.tenants t
       JOIN pg_namespace n ON n.nspname = t.schema
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm', 'i')
      WHERE $1::text IS NULL OR t.schema = $1
      GROUP BY t.schema`,
    [only ?? null],
  )
  const sizes = new Map<string, TenantSizes>()
  for (const row of rows) {
    sizes.set(row.schema, {
      tableBytes: row.table_bytes,
      indexBytes: row.index_bytes,
      toastBytes: row.toast_bytes,
      totalBytes: row.table_bytes + row.index_bytes + row.toast_bytes,
    })
  }
  return sizes
}
