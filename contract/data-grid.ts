/*
 * What a data grid shows, independent of where the rows came from: the data
 * browser's pages of a table and the SQL console's query results both arrive
 * in this shape. Cells are PostgreSQL's own text form of each value (exact:
 * no float rounding of bigint or numeric, no time-zone shifts of timestamps)
 * and `null` for SQL NULL, which is never confused with the empty string.
 */

/** How a column's values are shown and edited. */
export type ColumnKind = 'number' | 'text' | 'boolean' | 'json' | 'datetime' | 'binary' | 'array' | 'other'

export interface GridColumn {
  name: string
  /** PostgreSQL's name of the type, as `format_type` spells it (`bigint`, `character varying(20)`, `jsonb`). */
  type: string
  kind: ColumnKind
  /** False when the column is NOT NULL; unknown (undefined) for computed query columns. */
  nullable?: boolean
  /** Part of the primary key. */
  primaryKey?: boolean
  /** The column has a default (or is an identity/serial): an insert may leave it out. */
  hasDefault?: boolean
  /** Why this column cannot be written even where the table can (identity ALWAYS, generated). */
  readOnlyReason?: string
}

/** A cell: PostgreSQL's text form of the value, or null for SQL NULL. */
export type GridCell = string | null

/** A value cut short for display; `length` is the full length in characters. */
export interface TruncatedCell {
  row: number
  column: number
  length: number
}

/** The kind of a PostgreSQL type, from `pg_type.typname` and `typcategory`. */
export function columnKind(typname: string, category: string): ColumnKind {
  if (typname === 'json' || typname === 'jsonb') return 'json'
  if (typname === 'bytea') return 'binary'
  switch (category) {
    case 'A':
      return 'array'
    case 'N':
      return 'number'
    case 'B':
      return 'boolean'
    case 'D':
      return 'datetime'
    case 'S':
    case 'E':
    case 'T':
    case 'I':
    case 'U':
      return 'text'
    default:
      return 'other'
  }
}
