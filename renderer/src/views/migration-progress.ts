import type { MigrationEvent, MigrationReport } from '../../../contract/types.ts'

/*
 * The state of a migration run as the progress events build it up. Kept as a
 * pure reducer so the view can batch a burst of events into one render.
 */

export interface SchemaProgress {
  state: 'queued' | 'running' | 'done' | 'failed'
  pending: number
  applied: number
  migration?: string
  message?: string
}

export interface RunProgress {
  phase: 'idle' | 'waiting' | 'running' | 'done' | 'error'
  waitingFor?: string
  /** Tenant schemas in this run (from run-start), or undefined before it arrived. */
  total: number | undefined
  schemas: Record<string, SchemaProgress>
  /** Set for a retry of one schema: the overall bar counts that schema only, the others keep their last outcome. */
  only?: string
  report?: MigrationReport
  error?: string
}

export const IDLE: RunProgress = { phase: 'idle', total: undefined, schemas: {} }

/** Schemas finished (done or failed) in this run. */
export function finishedCount(progress: RunProgress): number {
  return Object.entries(progress.schemas).filter(
    ([schema, s]) => (progress.only === undefined || schema === progress.only) && (s.state === 'done' || s.state === 'failed'),
  ).length
}

/** Overall completion 0–100. A finished run is 100 even if some events were missed. */
export function overallPercent(progress: RunProgress): number {
  if (progress.phase === 'done') return 100
  if (!progress.total) return 0
  return (finishedCount(progress) / progress.total) * 100
}

/** One schema's completion 0–100. */
export function schemaPercent(schema: SchemaProgress | undefined): number {
  if (!schema) return 0
  if (schema.state === 'done') return 100
  if (schema.pending === 0) return schema.state === 'failed' ? 100 : 0
  return (schema.applied / schema.pending) * 100
}

/** Folds one event into the run state. */
export function applyMigrationEvent(progress: RunProgress, event: MigrationEvent): RunProgress {
  switch (event.type) {
    case 'waiting':
      return { ...progress, phase: 'waiting', waitingFor: event.holder }
    case 'run-start': {
      const { waitingFor: _w, error: _e, report: _r, ...rest } = progress
      return { ...rest, phase: 'running', total: event.tenants }
    }
    case 'schema-start':
      return {
        ...progress,
        phase: 'running',
        total: progress.total ?? event.total,
        schemas: { ...progress.schemas, [event.schema]: { state: 'running', pending: event.pending, applied: 0 } },
      }
    case 'migration-applied': {
      const previous = progress.schemas[event.schema] ?? { state: 'running', pending: 0, applied: 0 }
      const applied = previous.applied + 1
      return {
        ...progress,
        schemas: { ...progress.schemas, [event.schema]: { ...previous, state: 'running', applied, pending: Math.max(previous.pending, applied) } },
      }
    }
    case 'schema-done': {
      const previous = progress.schemas[event.schema]
      const applied = Math.max(previous?.applied ?? 0, event.applied.length)
      return {
        ...progress,
        total: progress.total ?? event.total,
        schemas: { ...progress.schemas, [event.schema]: { state: 'done', pending: Math.max(previous?.pending ?? 0, applied), applied } },
      }
    }
    case 'schema-failed': {
      const previous = progress.schemas[event.schema] ?? { state: 'running', pending: 0, applied: 0 }
      const failed: SchemaProgress = { ...previous, state: 'failed', message: event.message }
      if (event.migration !== undefined) failed.migration = event.migration
      return { ...progress, total: progress.total ?? event.total, schemas: { ...progress.schemas, [event.schema]: failed } }
    }
    case 'run-done':
      return withReport(progress, event.report)
  }
}

/** Completes the state from a run's report (also when the events never arrived). */
export function withReport(progress: RunProgress, report: MigrationReport): RunProgress {
  const schemas = { ...progress.schemas }
  for (const outcome of report.tenants) {
    const previous = schemas[outcome.schema]
    if (outcome.status === 'failed') {
      const failed: SchemaProgress = {
        state: 'failed',
        pending: previous?.pending ?? 0,
        applied: previous?.applied ?? 0,
        message: outcome.message ?? 'failed',
      }
      if (outcome.failedMigration !== undefined) failed.migration = outcome.failedMigration
      schemas[outcome.schema] = failed
    } else {
      const applied = Math.max(previous?.applied ?? 0, outcome.applied.length)
      schemas[outcome.schema] = { state: 'done', pending: Math.max(previous?.pending ?? 0, applied), applied }
    }
  }
  const { waitingFor: _w, ...rest } = progress
  return { ...rest, phase: 'done', total: report.tenants.length, schemas, report }
}
