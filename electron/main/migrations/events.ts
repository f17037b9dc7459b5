/** Progress of a migration run, streamed to the CLI and the UI's progress bars. */
export type MigrationEvent =
  | { type: 'waiting'; holder: string }
  | { type: 'run-start'; shared: boolean; tenants: number }
  | { type: 'schema-start'; schema: string; index: number; total: number; pending: number }
  | { type: 'migration-applied'; schema: string; migration: string }
  | { type: 'schema-done'; schema: string; index: number; total: number; applied: string[] }
  | { type: 'schema-failed'; schema: string; index: number; total: number; migration?: string; message: string }
  | { type: 'run-done'; report: MigrationReport }

export interface SchemaOutcome {
  schema: string
  status: 'migrated' | 'up-to-date' | 'failed'
  applied: string[]
  failedMigration?: string
  message?: string
}

export interface MigrationReport {
  shared?: SchemaOutcome
  tenants: SchemaOutcome[]
  /** Counts over tenant schemas. */
  counts: { total: number; migrated: number; upToDate: number; failed: number; applied: number }
  durationMs: number
}
