/*
 * Staged migration runs: the plan of a run (what would run where, in which
 * stage, with an estimate), and runs as first-class objects kept in the
 * database (who started them, with which options, what happened to each
 * tenant). Plain JSON shapes: `schemata migrate --plan --json`,
 * `migrate --runs --json`, and the console's migrations timeline.
 */

export type RolloutOrderBy = 'name' | 'created' | 'size' | 'file'

/** The options a run was asked for, as recorded with it (and reused by a resume). */
export interface RolloutOptions {
  order: RolloutOrderBy
  /** With order "file": the path given, and the schemas it listed, in order. */
  orderFile?: { path: string; schemas: string[] }
  /** Named canary tenants, or how many to pick at random (reproducibly: see the plan's `canarySeed`). */
  canary?: { schemas: string[] } | { count: number }
  /** Tenants per wave after the canary; absent: all remaining tenants in one wave. */
  wave?: number
  /** The run halts before starting another tenant once this many have failed (≥ 1). */
  maxFailures: number
  /** Pause between stages, ms. */
  pauseBetweenMs: number
  /** Each tenant's migration waits at most this long for a lock, ms. */
  lockTimeoutMs: number
  /** A tenant whose lock could not be had is tried this many more times, at the end of its stage. */
  lockRetries: number
  /** Every tenant in one transaction: all or nothing. */
  atomic: boolean
  /** Tenants migrated at once (ignored by atomic runs). */
  concurrency: number
  /** Only this tenant. */
  schema?: string
}

/** One tenant in a plan: the migrations that would run there, in order. */
export interface PlannedTenant {
  schema: string
  name: string
  pending: string[]
  /** From past runs' durations of the same migrations; null when there is no history. */
  estimateMs: number | null
}

export interface PlannedStage {
  kind: 'canary' | 'wave'
  /** 1-based position among the stages of its kind. */
  number: number
  tenants: PlannedTenant[]
  /** Wall time at the run's concurrency, from the tenants' estimates; null when any is unknown. */
  estimateMs: number | null
}

/** What a run would do; computed by the same code the run executes, changing nothing. */
export interface RolloutPlan {
  /** Shared migrations that run first, in `public`. */
  shared: string[]
  stages: PlannedStage[]
  /** Tenants with nothing pending (they are in no stage). */
  upToDate: number
  counts: { tenants: number; toMigrate: number; migrations: number }
  /** Whole run at its concurrency, pauses included; null without history. */
  estimateMs: number | null
  /** How the estimate was made, in words ("median of 412 tenant migrations in 3 past runs"). */
  estimateBasis: string
  /** The seed of a random canary, derived from the fleet and its pending work: the same fleet picks the same tenants. */
  canarySeed?: string
  /** Tenants of the fleet an order file did not list: they go after the listed ones, by name. */
  unlisted?: string[]
}

export type RunStatus = 'running' | 'completed' | 'halted' | 'incomplete' | 'interrupted' | 'failed'
export type RunTenantStatus = 'pending' | 'migrated' | 'failed' | 'lock-timeout' | 'skipped'

/** Who started a run, and from where. */
export interface RunStarter {
  /** The PostgreSQL login. */
  login: string
  osUser: string
  host: string
  via: 'cli' | 'console'
}

export interface RunCounts {
  planned: number
  migrated: number
  failed: number
  lockTimeout: number
  pending: number
}

/** A run as `migrate --runs` lists it. */
export interface RunSummary {
  id: number
  status: RunStatus
  startedAt: string
  finishedAt: string | null
  startedBy: RunStarter
  options: RolloutOptions
  counts: RunCounts
  /** Why it halted or failed, in words. */
  haltReason: string | null
  /** The run this one resumed, if any. */
  resumedFrom: number | null
  /** Runs that resumed this one. */
  resumedBy: number[]
}

/** What happened to one tenant of a run. */
export interface RunTenantOutcome {
  schema: string
  /** Index into the plan's stages. */
  stage: number
  status: RunTenantStatus
  attempts: number
  startedAt: string | null
  durationMs: number | null
  applied: string[]
  failedMigration: string | null
  /** PostgreSQL's SQLSTATE of the failure. */
  sqlstate: string | null
  message: string | null
}

/** A run with its plan and every tenant's outcome: `migrate --runs ID --json`, the timeline. */
export interface RunDetail extends RunSummary {
  plan: RolloutPlan
  tenants: RunTenantOutcome[]
}
