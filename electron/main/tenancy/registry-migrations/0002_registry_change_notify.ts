import type { MigrationDefinition } from '../../migrations/types.ts'

/**
 * Long-running processes (the server, the app) cache the registry for routing;
 * a NOTIFY on every change lets them drop the cache even when another process
 * (the CLI, a second admin) made the change.
 */
export const migration: MigrationDefinition = {
  name: '0002_registry_change_notify',
  async up({ query }) {
    await query(`
      CREATE FUNCTION schemata_registry_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify('schemata_registry', TG_TABLE_NAME);
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
        FOR EACH STATEMENT EXECUTE FUNCTION schemata_registry_changed();
      CREATE TRIGGER domains_changed AFTER INSERT OR UPDATE OR DELETE ON domains
        FOR EACH STATEMENT EXECUTE FUNCTION schemata_registry_changed();
    `)
  },
  async down({ query }) {
    await query(`
      DROP TRIGGER domains_changed ON domains;
      DROP TRIGGER tenants_changed ON tenants;
      DROP FUNCTION schemata_registry_changed();
    `)
  },
}
