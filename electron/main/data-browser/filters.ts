import { FILTER_OPERATORS, type FilterOperator, type FilterSpec } from '../../../contract/data-browser.ts'
import { quoteIdent } from '../db/sql.ts'
import { InvalidInputError, quoteForMessage } from '../errors.ts'
import type { BindParams } from './bind-params.ts'
import type { ColumnMeta, TableMeta } from './table-meta.ts'

const COMPARISON: Partial<Record<FilterOperator, string>> = { eq: '=', lt: '<', le: '<=', gt: '>', ge: '>=' }

/** `%`, `_` and `\` are LIKE metacharacters; a filter for "50%" means those characters literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** The column named by an input field, or an error naming the field, the column and the table. */
export function columnNamed(meta: TableMeta, name: string, field: string): ColumnMeta {
  const column = meta.columns.find((c) => c.name === name)
  if (!column) throw new InvalidInputError(field, `no column ${quoteForMessage(name, 80)} in table ${quoteForMessage(meta.name, 80)}`)
  return column
}

function scalarValue(filter: FilterSpec, field: string): string {
  const value = filter.value
  if (value === undefined || Array.isArray(value)) throw new InvalidInputError(field, `"${filter.op}" needs one value`)
  if (value === null) throw new InvalidInputError(field, 'is NULL; to find NULLs use the "is NULL" operator')
  return value
}

/**
 * One filter as a SQL condition. The column must exist (named from the
 * catalog, quoted); the operator comes from the allow-list; the value is
 * always a bind parameter whose type PostgreSQL infers from the column, so a
 * value of the wrong type is refused by PostgreSQL's own input function.
 * The negative operators (≠, does not contain) keep rows whose value is NULL,
 * as a person reading "status ≠ paid" expects.
 */
export function filterCondition(meta: TableMeta, filter: FilterSpec, index: number, params: BindParams): string {
  const base = `filters.${index}`
  if (!(FILTER_OPERATORS as readonly string[]).includes(filter.op)) {
    throw new InvalidInputError(`${base}.op`, `must be one of ${FILTER_OPERATORS.join(', ')}`)
  }
  const column = columnNamed(meta, filter.column, `${base}.column`)
  const col = quoteIdent(column.name)
  const valueField = `${base}.value`
  const comparison = COMPARISON[filter.op]
  if (comparison !== undefined) return `${col} ${comparison} ${params.add(scalarValue(filter, valueField), valueField)}`
  switch (filter.op) {
    case 'ne':
      return `${col} IS DISTINCT FROM ${params.add(scalarValue(filter, valueField), valueField)}`
    case 'contains':
      return `${col}::text ILIKE ${params.add(`%${escapeLike(scalarValue(filter, valueField))}%`, valueField)}`
    case 'not_contains':
      return `(${col}::text ILIKE ${params.add(`%${escapeLike(scalarValue(filter, valueField))}%`, valueField)}) IS NOT TRUE`
    case 'starts_with':
      return `${col}::text ILIKE ${params.add(`${escapeLike(scalarValue(filter, valueField))}%`, valueField)}`
    case 'ends_with':
      return `${col}::text ILIKE ${params.add(`%${escapeLike(scalarValue(filter, valueField))}`, valueField)}`
    case 'in': {
      const value = filter.value
      if (!Array.isArray(value)) throw new InvalidInputError(valueField, '"in" needs a list of values')
      if (value.length === 0) return 'false'
      return `${col} = ANY (${params.add(value, valueField)})`
    }
    case 'is_null':
      return `${col} IS NULL`
    case 'not_null':
      return `${col} IS NOT NULL`
    default:
      throw new InvalidInputError(`${base}.op`, `must be one of ${FILTER_OPERATORS.join(', ')}`)
  }
}

/** Every filter ANDed, or an empty list when there are none. */
export function filterConditions(meta: TableMeta, filters: readonly FilterSpec[] | undefined, params: BindParams): string[] {
  return (filters ?? []).map((filter, index) => filterCondition(meta, filter, index, params))
}
