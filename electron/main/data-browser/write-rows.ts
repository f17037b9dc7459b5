import type { WrittenRow } from '../../../contract/data-browser.ts'
import type { GridCell } from '../../../contract/data-grid.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { InvalidInputError, SchemataError, quoteForMessage } from '../errors.ts'
import type { TenantScope } from '../tenancy/scope.ts'
import { BindParams } from './bind-params.ts'
import { translateDataError } from './data-errors.ts'
import { columnNamed } from './filters.ts'
import { type TableMeta, gridColumns } from './table-meta.ts'
import { TEXT_VALUES } from './text-values.ts'

/*
 * Inserts, updates and deletes of one row by primary key, inside the tenant's
 * scope (so as the tenant's role: PostgreSQL itself refuses what the role may
 * not do). Updates and deletes are optimistic: they quote the row's version —
 * its xmin, which every write of the row changes — and touch the row only if
 * it is still that version. A row changed or deleted since it was read is a
 * CONFLICT and nothing is written.
 */

export type CellValues = Record<string, GridCell>

/** Refuses writes to a table the browser shows read-only, saying why. */
export function assertEditable(meta: TableMeta): void {
  if (meta.readOnlyReason !== null) {
    throw new SchemataError('FORBIDDEN', `table ${quoteForMessage(meta.name, 80)} is read-only: ${meta.readOnlyReason}`, { field: 'table' })
  }
}

function assignments(meta: TableMeta, values: CellValues, params: BindParams): { columns: string[]; placeholders: string[] } {
  const columns: string[] = []
  const placeholders: string[] = []
  for (const [name, value] of Object.entries(values)) {
    const field = `values.${name}`
    const column = columnNamed(meta, name, field)
    if (!column.writable) throw new InvalidInputError(field, `cannot be written: ${column.readOnlyReason ?? 'read-only'}`)
    columns.push(quoteIdent(column.name))
    placeholders.push(params.add(value, field))
  }
  return { columns, placeholders }
}

/** `k1 = $1 AND k2 = $2` for the primary key; the key must name exactly the key's columns. */
function keyCondition(meta: TableMeta, key: Record<string, string>, params: BindParams): string {
  const expected = meta.key.columns
  const given = Object.keys(key)
  if (given.length !== expected.length || !expected.every((name) => Object.prototype.hasOwnProperty.call(key, name))) {
    throw new InvalidInputError('key', `must give the primary key: ${expected.map((n) => quoteForMessage(n, 63)).join(', ')}`)
  }
  return expected.map((name) => `${quoteIdent(name)} = ${params.add(key[name], `key.${name}`)}`).join(' AND ')
}

function returning(meta: TableMeta): string {
  return `RETURNING ${meta.columns.map((c) => quoteIdent(c.name)).join(', ')}, xmin`
}

async function run(scope: TenantScope, sql: string, params: BindParams): Promise<GridCell[][]> {
  try {
    const result = await scope.submit({ text: sql, values: params.values, rowMode: 'array', types: TEXT_VALUES })
    return result.rows as GridCell[][]
  } catch (error) {
    throw translateDataError(error, params)
  }
}

function written(meta: TableMeta, row: GridCell[]): WrittenRow {
  const width = meta.columns.length
  return { columns: gridColumns(meta), row: row.slice(0, width), version: String(row[width]) }
}

function describeKey(key: Record<string, string>): string {
  return Object.entries(key)
    .map(([name, value]) => `${name} = ${quoteForMessage(value, 40)}`)
    .join(', ')
}

/** Why an update or delete matched no row: someone changed the row, or it is gone. Nothing was written. */
async function conflict(scope: TenantScope, meta: TableMeta, key: Record<string, string>, verb: string): Promise<SchemataError> {
  const params = new BindParams()
  const rows = await run(scope, `SELECT xmin FROM ${qualified(meta.schema, meta.name)} WHERE ${keyCondition(meta, key, params)}`, params)
  const where = `the row of ${quoteForMessage(meta.name, 80)} with ${describeKey(key)}`
  const message =
    rows.length === 0
      ? `${where} no longer exists (another session deleted it since you read it); nothing was ${verb}`
      : `${where} was changed by another session since you read it; nothing was ${verb} — reload the row and try again`
  return new SchemataError('CONFLICT', message, { field: 'version' })
}

/** Inserts a row; columns left out get their defaults. Returns the row as stored. */
export async function insertRow(scope: TenantScope, meta: TableMeta, values: CellValues): Promise<WrittenRow> {
  assertEditable(meta)
  const params = new BindParams()
  const { columns, placeholders } = assignments(meta, values, params)
  const target = qualified(meta.schema, meta.name)
  const sql =
    columns.length === 0
      ? `INSERT INTO ${target} DEFAULT VALUES ${returning(meta)}`
      : `INSERT INTO ${target} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) ${returning(meta)}`
  const [row] = await run(scope, sql, params)
  if (!row) throw new Error('INSERT … RETURNING returned no row')
  return written(meta, row)
}

/** Updates the row with this key if it is still at `version`; else CONFLICT and nothing is written. */
export async function updateRow(
  scope: TenantScope,
  meta: TableMeta,
  key: Record<string, string>,
  version: string,
  values: CellValues,
): Promise<WrittenRow> {
  assertEditable(meta)
  if (Object.keys(values).length === 0) throw new InvalidInputError('values', 'must change at least one column')
  const params = new BindParams()
  const { columns, placeholders } = assignments(meta, values, params)
  const set = columns.map((column, i) => `${column} = ${placeholders[i]}`).join(', ')
  const where = `${keyCondition(meta, key, params)} AND xmin = ${params.add(version, 'version')}::xid`
  const [row] = await run(scope, `UPDATE ${qualified(meta.schema, meta.name)} SET ${set} WHERE ${where} ${returning(meta)}`, params)
  if (!row) throw await conflict(scope, meta, key, 'updated')
  return written(meta, row)
}

/** Deletes the row with this key if it is still at `version`; else CONFLICT and nothing is deleted. */
export async function deleteRow(scope: TenantScope, meta: TableMeta, key: Record<string, string>, version: string): Promise<{ deleted: number }> {
  assertEditable(meta)
  const params = new BindParams()
  const where = `${keyCondition(meta, key, params)} AND xmin = ${params.add(version, 'version')}::xid`
  const rows = await run(scope, `DELETE FROM ${qualified(meta.schema, meta.name)} WHERE ${where} RETURNING 1`, params)
  if (rows.length === 0) throw await conflict(scope, meta, key, 'deleted')
  return { deleted: rows.length }
}
