/**
 * Advisory-lock keys. PostgreSQL's two-int form keeps our locks apart from any
 * the application itself takes: the first int names the purpose.
 */
export const MIGRATOR_LOCK_CLASS = 0x5c4e_0001
export const SCHEMA_LOCK_CLASS = 0x5c4e_0002

/** A stable signed 32-bit key for a schema name (FNV-1a), computed here so no value is spliced into SQL. */
export function schemaLockKey(schema: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < schema.length; i++) {
    hash ^= schema.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash | 0
}
