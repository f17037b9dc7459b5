/*
 * `schemata migrate`'s flags and help as plain data (no imports), so a
 * command table can answer --help and suggest flags without loading the
 * migrator.
 */

export const MIGRATE_FLAG_SPEC = {
  shared: { type: 'boolean' },
  tenant: { type: 'boolean' },
  schema: { type: 'string' },
  concurrency: { type: 'string' },
  'no-wait': { type: 'boolean' },
  json: { type: 'boolean' },
  'repair-checksums': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  // Staged rollouts (issue 15).
  plan: { type: 'boolean' },
  staged: { type: 'boolean' },
  order: { type: 'string' },
  canary: { type: 'string' },
  wave: { type: 'string' },
  'max-failures': { type: 'string' },
  'pause-between': { type: 'string' },
  'lock-timeout': { type: 'string' },
  'lock-retries': { type: 'string' },
  atomic: { type: 'boolean' },
  'atomic-limit': { type: 'string' },
  resume: { type: 'string' },
  runs: { type: 'boolean' },
  run: { type: 'string' },
  halt: { type: 'string' },
} as const

/** The flags that make `migrate` a recorded, staged run. */
export const STAGED_FLAGS = ['staged', 'order', 'canary', 'wave', 'max-failures', 'pause-between', 'lock-timeout', 'lock-retries', 'atomic', 'atomic-limit'] as const

export const MIGRATE_HELP = `usage: schemata migrate [--shared | --tenant] [--schema NAME] [--concurrency N] [--no-wait] [--json]
       schemata migrate --plan [rollout flags] [--json]
       schemata migrate --staged | rollout flags [--schema NAME] [--concurrency N] [--no-wait] [--json]
       schemata migrate --resume RUN_ID [--max-failures N] [--pause-between D] [--lock-timeout D] [--json]
       schemata migrate --runs [--json]    |    --run RUN_ID [--json]    |    --halt RUN_ID [--json]
       schemata migrate --repair-checksums [--schema NAME] [--json]

Plain migrate applies the shared migrations to public, then every tenant's
pending migrations, each tenant in its own transaction, concurrently.

A staged run (any rollout flag, or --staged) is recorded in the database
(who, when, options, plan, every tenant's outcome) and stops by itself:
  --plan                 print what would run, per stage, tenant and migration, with
                         estimates from earlier runs; nothing changes
  --order KEY            name (default), created (oldest first), size (smallest first),
                         or file:PATH (one schema a line; unlisted tenants go last)
  --canary LIST|N        these tenants first (acme,globex), or N picked at random
                         (reproducibly: --plan shows the same N); a canary failure halts
  --wave N               then the rest N tenants at a time (default: all in one wave)
  --max-failures N       halt before the next tenant starts once N tenants failed (default 1)
  --pause-between D      wait between stages: 500ms, 10s, 2m (default 0)
  --lock-timeout D       each tenant waits at most D for a lock (default 5s); one that
                         cannot get it is retried at the end of its stage, then reported
                         as "lock timeout", untouched
  --lock-retries N       retries of such a tenant (default 2)
  --atomic               every tenant in ONE transaction: all or nothing
  --atomic-limit N       refuse --atomic above N tenants to migrate (default 200)
  --staged               a recorded run with the defaults above
  --resume RUN_ID        continue a halted, incomplete or interrupted run: its remaining
                         tenants in its stages, with its options (--max-failures,
                         --pause-between, --lock-timeout, --lock-retries, --concurrency override)
  --runs                 list runs, newest first;  --run RUN_ID  one run, tenant by tenant
  --halt RUN_ID          ask a running run to halt before its next tenant starts
  --json                 the plan, the run, or the runs as JSON

Ctrl-C during a staged run halts it after the tenants in flight (resume it later).
Exit codes: 0 done (a run completed), 1 a tenant failed or the run halted, 2 invalid input.`
