import { useState } from 'react'
import type { RunDetail, RunSummary, RunTenantOutcome } from '../../../contract/rollout-types.ts'
import { useClient } from '../client/client-context.tsx'
import { ErrorMessage } from '../components/states.tsx'
import { useCallQuery } from '../data/queries.ts'
import { errorMessage } from '../lib/format.ts'
import '../styles/migration-runs.css'

/*
 * Staged migration runs as a timeline, newest first: each run's stages
 * (canary, waves) as a row of tenant cells coloured by outcome, where it
 * halted and why, and Resume / Halt. Runs are read from the database, so a
 * run started from the CLI shows here too; a running one is re-read every
 * second until it ends.
 */

const TERMINAL_RESUMABLE = new Set(['halted', 'incomplete', 'interrupted', 'failed'])

function statusLabel(run: RunSummary): string {
  switch (run.status) {
    case 'running':
      return 'Running'
    case 'completed':
      return 'Completed'
    case 'halted':
      return 'Halted'
    case 'incomplete':
      return 'Incomplete'
    case 'interrupted':
      return 'Interrupted'
    case 'failed':
      return 'Failed'
  }
}

/** The timeline of staged runs with Resume and Halt. `onChanged` is told when a resume ended (the grid re-reads). */
export function MigrationRunsTimeline({ onChanged, busy }: { onChanged: () => void; busy: boolean }) {
  const [acting, setActing] = useState<number | undefined>(undefined)
  const [actionError, setActionError] = useState<string | undefined>(undefined)
  const runs = useCallQuery('migrations/runs/list', { limit: 20 }, { refetchInterval: 2000 })
  const client = useClient()

  const act = async (id: number, what: 'resume' | 'halt') => {
    setActing(id)
    setActionError(undefined)
    try {
      if (what === 'resume') await client.call('migrations/runs/resume', { id })
      else await client.call('migrations/runs/halt', { id })
    } catch (error) {
      setActionError(errorMessage(error))
    } finally {
      setActing(undefined)
      runs.reload()
      onChanged()
    }
  }

  if (runs.error !== undefined) return <ErrorMessage title="Could not read the migration runs." message={runs.error} onRetry={runs.reload} />
  if (!runs.data || runs.data.length === 0) return null
  return (
    <section className="card run-timeline" aria-labelledby="run-timeline-title" data-testid="run-timeline">
      <h3 id="run-timeline-title" className="run-timeline__title">
        Staged runs
      </h3>
      {actionError && <ErrorMessage title="The run could not be changed." message={actionError} />}
      <ol className="run-timeline__list">
        {runs.data.map((run) => (
          <RunEntry key={run.id} run={run} acting={acting === run.id} disabled={busy || acting !== undefined} onAct={(what) => void act(run.id, what)} />
        ))}
      </ol>
    </section>
  )
}

function RunEntry({ run, acting, disabled, onAct }: { run: RunSummary; acting: boolean; disabled: boolean; onAct: (what: 'resume' | 'halt') => void }) {
  const detail = useCallQuery('migrations/runs/get', { id: run.id }, run.status === 'running' ? { refetchInterval: 1000 } : {})
  const resumable = TERMINAL_RESUMABLE.has(run.status) && run.resumedBy.length === 0
  const c = run.counts
  return (
    <li className={`run-entry run-entry--${run.status}`} data-testid="run-entry" data-run={run.id} data-status={run.status}>
      <div className="run-entry__head">
        <strong className="run-entry__id">Run {run.id}</strong>
        <span className={`run-entry__status run-entry__status--${run.status}`} data-testid="run-status">
          {statusLabel(run)}
        </span>
        <span className="muted">
          {new Date(run.startedAt).toLocaleString()} · {run.startedBy.osUser}@{run.startedBy.host} ({run.startedBy.via})
          {run.resumedFrom !== null ? ` · resumes run ${run.resumedFrom}` : ''}
          {run.resumedBy.length > 0 ? ` · resumed by run ${run.resumedBy.join(', ')}` : ''}
        </span>
        <span className="run-entry__counts" data-testid="run-counts">
          {c.migrated}/{c.planned} migrated{c.failed > 0 ? ` · ${c.failed} failed` : ''}
          {c.lockTimeout > 0 ? ` · ${c.lockTimeout} lock timeout` : ''}
          {c.pending > 0 ? ` · ${c.pending} untouched` : ''}
        </span>
        <span className="run-entry__actions">
          {run.status === 'running' && (
            <button type="button" className="button button--small button--danger" disabled={disabled} onClick={() => onAct('halt')} data-testid="run-halt">
              Halt
            </button>
          )}
          {resumable && (
            <button type="button" className="button button--small button--primary" disabled={disabled} onClick={() => onAct('resume')} data-testid="run-resume">
              {acting ? 'Resuming…' : 'Resume'}
            </button>
          )}
        </span>
      </div>
      {run.haltReason && (
        <p className="run-entry__reason" data-testid="run-reason">
          {run.haltReason}
        </p>
      )}
      {detail.data && <RunStages run={detail.data} />}
    </li>
  )
}

/** The stages in order, each tenant a cell; the halt shows as a marker after the last stage that started. */
function RunStages({ run }: { run: RunDetail }) {
  const byStage = new Map<number, RunTenantOutcome[]>()
  for (const tenant of run.tenants) {
    let list = byStage.get(tenant.stage)
    if (!list) byStage.set(tenant.stage, (list = []))
    list.push(tenant)
  }
  const started = (outcomes: readonly RunTenantOutcome[]) => outcomes.some((t) => t.status !== 'pending')
  const lastStarted = Math.max(-1, ...run.plan.stages.map((_, i) => (started(byStage.get(i) ?? []) ? i : -1)))
  const haltedHere = run.status === 'halted' || run.status === 'failed' || run.status === 'interrupted'
  return (
    <div className="run-stages" data-testid="run-stages">
      {run.plan.stages.map((stage, index) => {
        const outcomes = byStage.get(index) ?? []
        return (
          <div key={index} className="run-stage-wrap">
            <div className={`run-stage run-stage--${stage.kind}`} data-testid="run-stage" data-kind={stage.kind}>
              <span className="run-stage__label">
                {stage.kind === 'canary' ? 'Canary' : `Wave ${stage.number}`} <span className="muted">({outcomes.length})</span>
              </span>
              <span className="run-stage__cells">
                {outcomes.slice(0, 60).map((t) => (
                  <span
                    key={t.schema}
                    className={`run-cell run-cell--${t.status}`}
                    data-testid="run-cell"
                    data-schema={t.schema}
                    data-status={t.status}
                    title={`${t.schema}: ${t.status}${t.failedMigration ? ` in ${t.failedMigration}` : ''}${t.sqlstate ? ` [${t.sqlstate}]` : ''}${t.message ? ` — ${t.message}` : ''}`}
                  />
                ))}
                {outcomes.length > 60 && <span className="muted">+{outcomes.length - 60}</span>}
              </span>
            </div>
            {haltedHere && index === lastStarted && index < run.plan.stages.length && (
              <div className="run-halt-marker" data-testid="run-halt-marker">
                ■ {run.status === 'failed' ? 'Stopped' : 'Halted'} here
              </div>
            )}
          </div>
        )
      })}
    </div>
  )
}
