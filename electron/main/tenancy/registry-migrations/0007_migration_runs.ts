import type { MigrationDefinition } from '../../migrations/types.ts'

/**
 * Staged migration runs as first-class objects (issue 15): who started a run,
 * when, with which options and which plan, and what became of each tenant
 * (outcome, attempts, duration, the failing migration with PostgreSQL's
 * SQLSTATE and message). A halted run is resumed by a new run that names it
 * (`resumed_from`), so each keeps its own who and when.
 *
 * `halt_requested_at` is how another process (the console, a second CLI)
 * asks a running run to stop before its next tenant starts: the runner reads
 * it as it goes. Run rows never reference `tenants`: a run's history outlives
 * a tenant that was dropped or renamed since.
 */
export const migration: MigrationDefinition = {
  name: '0007_migration_runs',
  async up({ exec }) {
    await exec(`
      CREATE TABLE schemata_runs (
        id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        status            text NOT NULL DEFAULT 'running'
          CHECK (status IN ('running', 'completed', 'halted', 'incomplete', 'interrupted', 'failed')),
        started_at        timestamptz NOT NULL DEFAULT now(),
        finished_at       timestamptz,
        started_by        jsonb NOT NULL,
        options           jsonb NOT NULL,
        plan              jsonb NOT NULL,
        halt_reason       text,
        halt_requested_at timestamptz,
        halt_requested_by text,
        resumed_from      bigint REFERENCES schemata_runs (id),
        CHECK ((status = 'running') = (finished_at IS NULL))
      );
      -- One run resumes a halted run at most once: a second resume must name the later run.
      CREATE UNIQUE INDEX schemata_runs_resumed_from_idx ON schemata_runs (resumed_from);
      CREATE TABLE schemata_run_tenants (
        run_id           bigint NOT NULL REFERENCES schemata_runs (id) ON DELETE CASCADE,
        schema           text NOT NULL,
        stage            integer NOT NULL CHECK (stage >= 0),
        position         integer NOT NULL,
        pending          text[] NOT NULL,
        status           text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'migrated', 'failed', 'lock-timeout', 'skipped')),
        attempts         integer NOT NULL DEFAULT 0,
        started_at       timestamptz,
        duration_ms      double precision,
        applied          text[] NOT NULL DEFAULT '{}',
        failed_migration text,
        sqlstate         text CHECK (sqlstate ~ '^[0-9A-Z]{5}$'),
        message          text,
        PRIMARY KEY (run_id, schema)
      );
      -- Estimates read the durations of recent runs' migrated tenants.
      CREATE INDEX schemata_run_tenants_migrated_idx ON schemata_run_tenants (run_id) WHERE status = 'migrated';
    `)
  },
  async down({ exec }) {
    await exec('DROP TABLE schemata_run_tenants; DROP TABLE schemata_runs;')
  },
}
