// The progress events and report are part of the contract; the migrator produces exactly those shapes.
export type { MigrationEvent, MigrationReport, SchemaOutcome } from '../../../contract/types.ts'
