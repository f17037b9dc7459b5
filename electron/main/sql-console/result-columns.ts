import { type GridColumn, columnKind } from '../../../contract/data-grid.ts'
import type { Database } from '../db/database.ts'
import type { TenantField } from '../tenancy/tenant-sessions.ts'

/** A result column's type as PostgreSQL spells it, and its category (for how the grid shows it). */
interface TypeInfo {
  name: string
  typname: string
  category: string
}

/**
 * Names the types of result columns (`character varying(20)`, `numeric(10,2)`,
 * `jsonb`) from the catalog, once per type and modifier: a result only
 * carries type oids. Asked of the app's own connection, so it works for
 * types a tenant may not look up, and costs nothing after the first time.
 */
export class ResultColumns {
  private readonly known = new Map<string, TypeInfo>()

  constructor(private readonly db: Database) {}

  /** The grid columns of a result's fields. */
  async columns(fields: readonly TenantField[]): Promise<GridColumn[]> {
    const missing = fields.filter((field) => !this.known.has(keyOf(field)))
    if (missing.length > 0) {
      const rows = await this.db.rows<{ oid: number; mod: number; name: string; typname: string; category: string }>(
        `SELECT m.oid, m.mod, format_type(m.oid, NULLIF(m.mod, -1)) AS name, t.typname, t.typcategory AS category
           FROM unnest($1::oid[], $2::int[]) AS m(oid, mod) JOIN pg_type t ON t.oid = m.oid`,
        [missing.map((field) => field.dataTypeId), missing.map((field) => field.typeModifier)],
      )
      for (const row of rows) this.known.set(`${row.oid}:${row.mod}`, { name: row.name, typname: row.typname, category: row.category })
    }
    return fields.map((field) => {
      const info = this.known.get(keyOf(field))
      return { name: field.name, type: info?.name ?? `oid ${field.dataTypeId}`, kind: info ? columnKind(info.typname, info.category) : 'other' }
    })
  }
}

function keyOf(field: TenantField): string {
  return `${field.dataTypeId}:${field.typeModifier}`
}
