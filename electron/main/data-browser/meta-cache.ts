import type { TableMeta } from './table-meta.ts'

/**
 * Table descriptions kept between page reads, so a page costs one round trip
 * (scope and keyset statement together) instead of two, and PostgreSQL plans
 * one statement instead of two — describing a table costs it more than
 * reading a page by index does.
 *
 * A cached description is never trusted blindly: every page checks the
 * columns PostgreSQL actually returned (names, types, the relation's OID)
 * against it, and a statement naming a column or table that is gone sends the
 * read back for a fresh description. What a page cannot see — a key or grant
 * changed with the columns untouched — is picked up after `ttlMs`; writes
 * always describe afresh.
 */
export class TableMetaCache {
  private readonly entries = new Map<string, { meta: TableMeta; at: number }>()

  constructor(
    private readonly ttlMs = 10_000,
    private readonly capacity = 500,
    private readonly now: () => number = () => performance.now(),
  ) {}

  static keyOf(tenant: string, table: string, shared: boolean): string {
    return `${tenant}\u0000${shared ? 'shared' : 'own'}\u0000${table}`
  }

  get(key: string): TableMeta | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (this.now() - entry.at > this.ttlMs) {
      this.entries.delete(key)
      return undefined
    }
    return entry.meta
  }

  set(key: string, meta: TableMeta): void {
    this.entries.delete(key)
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(key, { meta, at: this.now() })
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  /** Forgets every table of a tenant (it was dropped, or its edits need fresh descriptions). */
  forgetTenant(tenant: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${tenant}\u0000`)) this.entries.delete(key)
  }
}

/** A page read with a cached description found the table changed; the caller describes it again and retries. */
export class StaleTableMetaError extends Error {
  constructor(table: string) {
    super(`table "${table}" changed since it was described`)
    this.name = 'StaleTableMetaError'
  }
}
