import type { TableKey } from '../../../contract/data-browser.ts'
import { columnKind, type GridColumn } from '../../../contract/data-grid.ts'
import { SchemataError } from '../errors.ts'
import type { TenantScope } from '../tenancy/scope.ts'
import { quoteForMessage } from '../errors.ts'

/** A column as the browser needs it: what the grid shows plus what SQL building needs. */
export interface ColumnMeta extends GridColumn {
  notNull: boolean
  /** Identity ALWAYS or generated: never written. */
  writable: boolean
  /** pg_type OID, as PostgreSQL reports it for each result column. */
  typeOid: number
}

/** One table the browser can show, described from the catalog inside the tenant's scope. */
export interface TableMeta {
  /** `public` for a shared readable table, else the tenant's schema. */
  schema: string
  name: string
  shared: boolean
  relkind: 'r' | 'p' | 'm'
  /** The relation's OID: a table dropped and made again under the same name has another. */
  oid: number
  columns: ColumnMeta[]
  key: TableKey
  readOnlyReason: string | null
}

/** What the browser needs to reach a table: whose, which, and whether it is a shared one. */
export interface TableRef {
  tenant: string
  table: string
  shared?: boolean | undefined
}

export const RELKIND_LABEL = { r: 'table', p: 'partitioned table', m: 'materialized view' } as const

interface RawColumn {
  name: string
  type: string
  typeOid: number
  typname: string
  category: string
  notNull: boolean
  hasDefault: boolean
  identity: string
  generated: string
}

interface RawKey {
  primary: boolean
  columns: string[]
}

interface MetaRow {
  oid: string
  relkind: 'r' | 'p' | 'm'
  can_insert: boolean
  can_update: boolean
  can_delete: boolean
  columns: RawColumn[] | null
  keys: RawKey[] | null
}

/*
 * One statement: the relation by (name, namespace) — pg_class's unique index —
 * with its columns and its usable keys. A key is the primary key or a unique
 * index over plain columns with no predicate; the caller keeps a unique one
 * only if all its columns are NOT NULL (NULLs would break keyset comparisons).
 */
const DESCRIBE_SQL = `
SELECT c.oid::text AS oid, c.relkind::text AS relkind,
       has_table_privilege(c.oid, 'INSERT') AS can_insert,
       has_table_privilege(c.oid, 'UPDATE') AS can_update,
       has_table_privilege(c.oid, 'DELETE') AS can_delete,
       (SELECT json_agg(json_build_object(
                 'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'typeOid', a.atttypid, 'typname', t.typname,
                 'category', t.typcategory, 'notNull', a.attnotnull, 'hasDefault', a.atthasdef OR a.attidentity <> '',
                 'identity', a.attidentity, 'generated', a.attgenerated) ORDER BY a.attnum)
          FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT json_agg(json_build_object('primary', i.indisprimary, 'columns',
                 (SELECT json_agg(a.attname ORDER BY k.ord)
                    FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                   WHERE k.ord <= i.indnkeyatts))
                 ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid)
          FROM pg_catalog.pg_index i
         WHERE i.indrelid = c.oid AND i.indisvalid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL) AS keys
  FROM pg_catalog.pg_class c
 WHERE c.relname = $2
   AND c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = $1)
   AND c.relkind IN ('r', 'p', 'm')`

/** The table is not there (or not visible to the tenant): named in the message, field `table`. */
export function tableNotFound(ref: TableRef): SchemataError {
  const where = ref.shared ? 'among the shared readable tables' : `in tenant "${ref.tenant}"`
  return new SchemataError('NOT_FOUND', `table: no table ${quoteForMessage(ref.table, 80)} ${where}`, { field: 'table' })
}

/** The statement and parameters that describe `ref`; see `metaFromRow`. */
export function describeQuery(ref: TableRef, schema: string): { sql: string; bind: unknown[] } {
  return { sql: DESCRIBE_SQL, bind: [schema, ref.table] }
}

/** The schema a reference points into, after checking a shared table is one the project declared. */
export function schemaOf(ref: TableRef, sharedReadable: readonly string[]): string {
  if (!ref.shared) return ref.tenant
  if (!sharedReadable.includes(ref.table)) throw tableNotFound(ref)
  return 'public'
}

/** Builds the description from the row DESCRIBE_SQL returned (none: not found). */
export function metaFromRow(ref: TableRef, schema: string, row: MetaRow | undefined): TableMeta {
  if (row === undefined || row.columns === null) throw tableNotFound(ref)
  const columns: ColumnMeta[] = row.columns.map((raw) => {
    const readOnlyReason =
      raw.identity === 'a' ? 'generated always as identity' : raw.generated !== '' ? 'a generated column' : undefined
    const column: ColumnMeta = {
      name: raw.name,
      type: raw.type,
      kind: columnKind(raw.typname, raw.category),
      nullable: !raw.notNull,
      hasDefault: raw.hasDefault || raw.generated !== '',
      notNull: raw.notNull,
      writable: readOnlyReason === undefined,
      typeOid: Number(raw.typeOid),
    }
    if (readOnlyReason !== undefined) column.readOnlyReason = readOnlyReason
    return column
  })
  const notNull = new Set(columns.filter((c) => c.notNull).map((c) => c.name))
  const keys = row.keys ?? []
  const primary = keys.find((k) => k.primary)
  const unique = keys.find((k) => !k.primary && k.columns.every((name) => notNull.has(name)))
  let key: TableKey
  if (primary) key = { kind: 'primary', columns: primary.columns }
  else if (unique) key = { kind: 'unique', columns: unique.columns }
  else key = { kind: 'physical', columns: row.relkind === 'p' ? ['tableoid', 'ctid'] : ['ctid'] }
  const keySet = new Set(primary?.columns ?? [])
  for (const column of columns) if (keySet.has(column.name)) column.primaryKey = true

  const shared = Boolean(ref.shared)
  let readOnlyReason: string | null = null
  if (shared) readOnlyReason = 'a shared readable table: every tenant may read it, none may write it'
  else if (row.relkind === 'm') readOnlyReason = 'a materialized view cannot be edited'
  else if (!primary) readOnlyReason = 'no primary key: a row cannot be told apart from an identical one, so it cannot be edited here'
  else if (!row.can_insert && !row.can_update && !row.can_delete) readOnlyReason = 'the tenant’s role may not write this table'
  return { schema, name: ref.table, shared, relkind: row.relkind, oid: Number(row.oid), columns, key, readOnlyReason }
}

/** Describes one table from the catalog, inside the tenant's scope. */
export async function describeTable(scope: TenantScope, ref: TableRef, sharedReadable: readonly string[]): Promise<TableMeta> {
  const schema = schemaOf(ref, sharedReadable)
  const { sql, bind } = describeQuery(ref, schema)
  const [row] = await scope.query<MetaRow>(sql, bind)
  return metaFromRow(ref, schema, row)
}

/** The grid's view of the columns (without what only SQL building needs). */
export function gridColumns(meta: TableMeta): GridColumn[] {
  return meta.columns.map(({ notNull: _notNull, writable: _writable, typeOid: _typeOid, ...column }) => column)
}

/** A result column as node-postgres reports it from PostgreSQL's RowDescription. */
export interface ResultField {
  name: string
  tableID: number
  /** The column's attnum in its table (negative for system columns such as xmin). */
  columnID: number
  dataTypeID: number
}

/**
 * Whether a page's first `columns.length` result columns are the described
 * table's columns: same names and types, from the same relation. A table
 * altered or made again since it was described fails this.
 */
export function fieldsMatch(meta: TableMeta, fields: readonly ResultField[]): boolean {
  const userColumns = fields.filter((field) => field.columnID > 0)
  return (
    userColumns.length === meta.columns.length &&
    meta.columns.every((column, i) => {
      const field = fields[i]
      return field !== undefined && field.name === column.name && field.dataTypeID === column.typeOid && field.tableID === meta.oid
    })
  )
}
