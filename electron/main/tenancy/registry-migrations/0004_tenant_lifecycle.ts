import { SCHEMA_LOCK_CLASS } from '../../db/lock-keys.ts'
import type { MigrationDefinition } from '../../migrations/types.ts'

/**
 * What a tenant's life needs beyond create and drop (issue 14):
 *
 * - More statuses. `pooled`: a ready schema of the warm pool, invisible to
 *   routing and lists. `archived`: exported, verified and dropped; the row
 *   keeps the name, schema and domains reserved and says where the file is.
 *   `moving` / `moved`: streamed into another database; the row says where.
 * - The central ledger follows a schema rename (ON UPDATE CASCADE), so
 *   renaming a tenant or claiming a pooled one is one UPDATE of the registry.
 * - `schemata_enter_tenant` takes the schema's lock in SHARE mode before it
 *   looks the tenant up: a rename, swap or drop (which take it exclusively)
 *   waits for the scopes already running and the scopes arriving meanwhile
 *   wait for it, then find the registry as it was left. Without this a scope
 *   that entered `acme` just before a rename would find its search_path
 *   naming a schema that no longer exists, mid-transaction. The key is passed
 *   in (computed by the caller with the same function the migrator uses) so
 *   the hash lives in one place.
 */
export const migration: MigrationDefinition = {
  name: '0004_tenant_lifecycle',
  async up({ query }) {
    await query(`
      ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
      ALTER TABLE tenants ADD CONSTRAINT tenants_status_check
        CHECK (status IN ('active', 'suspended', 'pooled', 'archived', 'moving', 'moved'));
      ALTER TABLE tenants
        ADD COLUMN archive_path   text,
        ADD COLUMN archive_sha256 text CHECK (archive_sha256 ~ '^[0-9a-f]{64}$'),
        ADD COLUMN archived_at    timestamptz,
        ADD COLUMN moved_to       text,
        ADD COLUMN moved_at       timestamptz,
        ADD COLUMN move_id        uuid,
        ADD COLUMN origin_move_id uuid;
      ALTER TABLE tenants ADD CONSTRAINT tenants_archive_complete
        CHECK (status <> 'archived' OR (archive_path IS NOT NULL AND archive_sha256 IS NOT NULL AND archived_at IS NOT NULL));
      ALTER TABLE tenants ADD CONSTRAINT tenants_move_complete
        CHECK (status NOT IN ('moving', 'moved') OR (moved_to IS NOT NULL AND move_id IS NOT NULL));
      CREATE INDEX tenants_pooled_idx ON tenants (id) WHERE status = 'pooled';

      ALTER TABLE tenant_migrations DROP CONSTRAINT tenant_migrations_schema_fkey;
      ALTER TABLE tenant_migrations ADD CONSTRAINT tenant_migrations_schema_fkey
        FOREIGN KEY (schema) REFERENCES tenants (schema) ON DELETE CASCADE ON UPDATE CASCADE;

      DROP FUNCTION public.schemata_enter_tenant(text);
      CREATE FUNCTION public.schemata_enter_tenant(p_schema text, p_lock_key integer) RETURNS text LANGUAGE plpgsql AS $fn$
      DECLARE
        t record;
      BEGIN
        -- Before the lookup: each statement below takes a fresh snapshot (READ COMMITTED), so
        -- once a rename that held the lock has committed, the lookup sees its result.
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(${SCHEMA_LOCK_CLASS}, p_lock_key);
        SELECT tenants.status, tenants.role INTO t FROM public.tenants WHERE tenants.schema = p_schema;
        IF NOT FOUND OR t.status = 'pooled' THEN
          RAISE EXCEPTION 'no tenant with schema "%"', p_schema
            USING ERRCODE = 'P0002', DETAIL = 'schemata:tenant-not-found';
        END IF;
        IF t.status <> 'active' THEN
          RAISE EXCEPTION 'tenant "%" is %', p_schema, t.status
            USING ERRCODE = '55000', DETAIL = 'schemata:tenant-' || t.status;
        END IF;
        PERFORM pg_catalog.set_config('search_path', pg_catalog.format('%I, public', p_schema), true);
        PERFORM pg_catalog.set_config('role', t.role, true);
        RETURN t.role;
      END
      $fn$;
      REVOKE ALL ON FUNCTION public.schemata_enter_tenant(text, integer) FROM PUBLIC;
    `)
  },
}
