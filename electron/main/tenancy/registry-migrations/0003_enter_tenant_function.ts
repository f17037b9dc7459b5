import type { MigrationDefinition } from '../../migrations/types.ts'

/**
 * `schemata_enter_tenant(schema)` looks the tenant up and, only if it is
 * active, sets the transaction-local search_path and role; an unknown or
 * suspended tenant raises. The check has to fail inside PostgreSQL rather than
 * in our code: withTenant sends the caller's first query right behind it,
 * without waiting, and only an error that aborts the transaction can stop a
 * statement already on the wire from running in `public`.
 *
 * It has no SET clause on purpose (one would undo its set_config calls on
 * return), so everything in it is schema-qualified instead. EXECUTE is revoked
 * from PUBLIC: it is for the admin login, not for tenant roles.
 */
export const migration: MigrationDefinition = {
  name: '0003_enter_tenant_function',
  async up({ query }) {
    await query(`
      CREATE FUNCTION public.schemata_enter_tenant(p_schema text) RETURNS text LANGUAGE plpgsql AS $fn$
      DECLARE
        t record;
      BEGIN
        SELECT tenants.status, tenants.role INTO t FROM public.tenants WHERE tenants.schema = p_schema;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'no tenant with schema "%"', p_schema
            USING ERRCODE = 'P0002', DETAIL = 'schemata:tenant-not-found';
        END IF;
        IF t.status <> 'active' THEN
          RAISE EXCEPTION 'tenant "%" is suspended', p_schema
            USING ERRCODE = '55000', DETAIL = 'schemata:tenant-suspended';
        END IF;
        PERFORM pg_catalog.set_config('search_path', pg_catalog.format('%I, public', p_schema), true);
        PERFORM pg_catalog.set_config('role', t.role, true);
        RETURN t.role;
      END
      $fn$;
      REVOKE ALL ON FUNCTION public.schemata_enter_tenant(text) FROM PUBLIC;
    `)
  },
  async down({ query }) {
    await query('DROP FUNCTION public.schemata_enter_tenant(text);')
  },
}
