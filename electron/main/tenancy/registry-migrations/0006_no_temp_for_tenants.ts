import { REVOKE_TEMP_FROM_PUBLIC_SQL } from '../../db/tenant-sql.ts'
import { SCHEMA_LOCK_CLASS } from '../../db/lock-keys.ts'
import type { MigrationDefinition } from '../../migrations/types.ts'

/**
 * No temporary objects in a tenant's scope (issue 10, item 1). Code in acme's
 * scope could create a temp table `customers`: it outlived the transaction on
 * the pooled connection and, pg_temp being searched first unless named, caught
 * globex's next insert there. So:
 *
 * - tenant roles lose TEMPORARY on the database (taken from PUBLIC, which is
 *   how they held it; the database owner — the app's login — keeps it), and a
 *   database made before this migration loses it when the migration runs;
 * - the scope's search_path names `pg_temp` explicitly and last, so even a
 *   temporary object someone else made could never shadow a tenant table.
 *
 * The function also publishes the tenant's registry id as the transaction-local
 * setting `schemata.tenant_id`, looked up in the same statement that enters the
 * scope: the tenant API checks a token's tenant identity against it (item 3),
 * so a token of a tenant that was dropped and created again under the same
 * schema name is refused. Otherwise the function is 0004's.
 */
export const migration: MigrationDefinition = {
  name: '0006_no_temp_for_tenants',
  async up({ query }) {
    await query(`
      ${REVOKE_TEMP_FROM_PUBLIC_SQL};
      CREATE OR REPLACE FUNCTION public.schemata_enter_tenant(p_schema text, p_lock_key integer) RETURNS text LANGUAGE plpgsql AS $fn$
      DECLARE
        t record;
      BEGIN
        -- Before the lookup: each statement below takes a fresh snapshot (READ COMMITTED), so
        -- once a rename that held the lock has committed, the lookup sees its result.
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(${SCHEMA_LOCK_CLASS}, p_lock_key);
        SELECT tenants.id, tenants.status, tenants.role INTO t FROM public.tenants WHERE tenants.schema = p_schema;
        IF NOT FOUND OR t.status = 'pooled' THEN
          RAISE EXCEPTION 'no tenant with schema "%"', p_schema
            USING ERRCODE = 'P0002', DETAIL = 'schemata:tenant-not-found';
        END IF;
        IF t.status <> 'active' THEN
          RAISE EXCEPTION 'tenant "%" is %', p_schema, t.status
            USING ERRCODE = '55000', DETAIL = 'schemata:tenant-' || t.status;
        END IF;
        PERFORM pg_catalog.set_config('search_path', pg_catalog.format('%I, public, pg_temp', p_schema), true);
        PERFORM pg_catalog.set_config('role', t.role, true);
        PERFORM pg_catalog.set_config('schemata.tenant_id', t.id::text, true);
        RETURN t.role;
      END
      $fn$;
      REVOKE ALL ON FUNCTION public.schemata_enter_tenant(text, integer) FROM PUBLIC;
    `)
  },
}
