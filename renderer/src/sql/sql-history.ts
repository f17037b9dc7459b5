/*
 * The statements run in a tenant, newest first, kept in this browser's (or
 * window's) localStorage. The key is the tenant's identity — its schema and
 * when it was created — so a tenant dropped and created again under the same
 * schema starts with an empty history instead of inheriting the old one's.
 */

/** One statement run from the console. */
export interface SqlHistoryEntry {
  sql: string
  /** ISO time it was run. */
  at: string
  ok: boolean
  ms?: number
}

/** How many statements a tenant's history keeps. */
const MAX_ENTRIES = 100
const PREFIX = 'schemata.sql-history.v1:'

/** The storage key of a tenant's history. */
export function historyKey(tenant: { schema: string; createdAt: string }): string {
  return `${PREFIX}${tenant.schema}@${tenant.createdAt}`
}

function isEntry(value: unknown): value is SqlHistoryEntry {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Record<string, unknown>
  return typeof entry.sql === 'string' && typeof entry.at === 'string' && typeof entry.ok === 'boolean'
}

/** A tenant's history; empty when there is none or what is stored is not a history (edited by hand, another version). */
export function readHistory(storage: Storage, key: string): SqlHistoryEntry[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(storage.getItem(key) ?? '[]')
  } catch {
    // Not JSON: treat as no history rather than failing the view; the next run overwrites it.
    return []
  }
  return Array.isArray(parsed) ? parsed.filter(isEntry).slice(0, MAX_ENTRIES) : []
}

/** Adds a statement on top (the same text run again moves up rather than repeating) and stores the history. */
export function addToHistory(storage: Storage, key: string, entry: SqlHistoryEntry): SqlHistoryEntry[] {
  const next = [entry, ...readHistory(storage, key).filter((e) => e.sql !== entry.sql)].slice(0, MAX_ENTRIES)
  try {
    storage.setItem(key, JSON.stringify(next))
  } catch {
    // A full or disabled storage loses the history, not the result the user is looking at.
  }
  return next
}
