import { LEDGER_TABLE } from '../migrations/ledger-storage.ts'
import type { ManifestColumn, ManifestSequence } from './export-format.ts'

/** Runs a query and returns its rows (a pg client, a pipelined transaction…). */
export type RowsOf = <T extends object>(sql: string, bind?: readonly unknown[]) => Promise<T[]>

export interface TenantTable {
  name: string
  /** Columns that hold data (not dropped, not generated), in column order. */
  columns: ManifestColumn[]
  /** Whether a column is GENERATED ALWAYS AS IDENTITY (an INSERT must say OVERRIDING SYSTEM VALUE). */
  identityAlways: boolean
}

/**
 * A tenant schema's tables (its ledger aside) in load order: each after every
 * table of the schema it references, so rows can be loaded with their foreign
 * keys checked as they arrive. Tables in a reference cycle keep name order.
 */
export async function tenantTables(rows: RowsOf, schema: string): Promise<TenantTable[]> {
  const tables = await rows<{ name: string; columns: ManifestColumn[] | null; identity_always: boolean; refs: string[] | null }>(
    `SELECT c.relname AS name,
            (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
               FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attidentity = 'a' AND NOT a.attisdropped) AS identity_always,
            (SELECT array_agg(DISTINCT r.relname)
               FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
              WHERE k.conrelid = c.oid AND k.contype = 'f' AND r.relnamespace = c.relnamespace AND r.oid <> c.oid) AS refs
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> $2
      ORDER BY c.relname`,
    [schema, LEDGER_TABLE],
  )
  const byName = new Map(tables.map((t) => [t.name, t]))
  const ordered: TenantTable[] = []
  const placed = new Set<string>()
  const visiting = new Set<string>()
  const visit = (name: string): void => {
    if (placed.has(name) || visiting.has(name)) return
    const table = byName.get(name)
    if (!table) return
    visiting.add(name)
    for (const ref of [...(table.refs ?? [])].sort()) visit(ref)
    visiting.delete(name)
    placed.add(name)
    ordered.push({ name, columns: table.columns ?? [], identityAlways: table.identity_always })
  }
  for (const table of tables) visit(table.name)
  return ordered
}

/**
 * The schema's sequences and where they stand. Sequences are not
 * transactional: read after the data's snapshot was taken, each is at least
 * as far as any value in that data, so restoring it never hands out a value
 * the data already holds.
 */
export async function tenantSequences(rows: RowsOf, schema: string): Promise<ManifestSequence[]> {
  const found = await rows<{ name: string; last_value: string | null; start_value: string }>(
    `SELECT sequencename AS name, last_value::text, start_value::text FROM pg_catalog.pg_sequences
      WHERE schemaname = $1 ORDER BY sequencename`,
    [schema],
  )
  return found.map((s) => ({ name: s.name, lastValue: s.last_value ?? s.start_value, isCalled: s.last_value !== null }))
}

/** Exact row counts of `tables`, in one statement (one snapshot). */
export async function rowCounts(rows: RowsOf, schema: string, tables: readonly string[], quote: (schema: string, name: string) => string): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map()
  const sql = tables.map((name, i) => `SELECT ${i} AS i, count(*)::bigint AS n FROM ${quote(schema, name)}`).join(' UNION ALL ')
  const counted = await rows<{ i: number; n: string }>(sql)
  const result = new Map<string, number>()
  for (const row of counted) result.set(tables[Number(row.i)] as string, Number(row.n))
  return result
}
