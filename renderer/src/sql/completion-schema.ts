import type { SQLNamespace } from '@codemirror/lang-sql'
import type { SqlCatalog } from '../../../contract/sql-console.ts'

/** A completion option: a name and, as its detail, its type or kind. */
interface NamedOption {
  label: string
  type: string
  detail: string
}

/**
 * The editor's completion namespace from the tenant's catalog: its own tables
 * (unqualified, as its search_path finds them, and under its schema), the
 * shared readable ones under `public` and unqualified too (they are on the
 * search_path after the tenant's schema), each with its columns and types.
 */
export function completionNamespace(catalog: SqlCatalog): SQLNamespace {
  const bySchema = new Map<string, Record<string, SQLNamespace>>()
  const unqualified: Record<string, SQLNamespace> = {}
  for (const table of catalog.tables) {
    const columns: NamedOption[] = table.columns.map((c) => ({ label: c.name, type: 'property', detail: c.type }))
    const entry: SQLNamespace = { self: { label: table.name, type: 'type', detail: table.shared ? `shared ${table.kind}` : table.kind }, children: columns }
    const tables = bySchema.get(table.schema) ?? {}
    tables[table.name] = entry
    bySchema.set(table.schema, tables)
    // The tenant's own table wins over a shared one of the same name, as on the search_path.
    if (!table.shared || !(table.name in unqualified)) unqualified[table.name] = entry
  }
  const namespace: Record<string, SQLNamespace> = { ...unqualified }
  for (const [schema, tables] of bySchema) namespace[schema] = { self: { label: schema, type: 'namespace' }, children: tables }
  return namespace
}
