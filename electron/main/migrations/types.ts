/** What a migration can do: run SQL inside the one transaction of its schema. */
export interface MigrationContext {
  /**
   * Runs SQL in the schema's migration transaction, with `search_path` set to the
   * target schema first and `public` second. Tenant migrations name no schema.
   * Without `bind` several statements may be sent in one round trip.
   */
  query: (sql: string, bind?: readonly unknown[]) => Promise<Record<string, unknown>[]>
  /**
   * Sends SQL whose result the migration does not need (DDL, backfills) and
   * returns at once: the statement goes out behind the ones before it (with
   * the migration's other `exec` calls and the COMMIT, in one message) and
   * runs in order in the same transaction, without a round trip of its own. If
   * it fails, the schema's transaction rolls back and the failure is reported
   * against this migration. Use `query` when later code depends on the result.
   */
  exec: (sql: string, bind?: readonly unknown[]) => Promise<void>
  /** The schema being migrated; for log messages, not for SQL. */
  readonly schema: string
}

/** One migration, registered statically (bundled code cannot glob the folder at run time). */
export interface MigrationDefinition {
  /** Sortable and unique within its folder: `0001_create_registry`. */
  readonly name: string
  up(context: MigrationContext): Promise<void>
  down?(context: MigrationContext): Promise<void>
  /**
   * SHA-256 (hex) of the migration's file, recorded in both ledgers when it is
   * applied; a file that no longer matches what was applied is refused.
   * Migrations defined in code (tests) have none and are never compared.
   */
  readonly checksum?: string
  /** The file it was loaded from, for messages. */
  readonly file?: string
}
