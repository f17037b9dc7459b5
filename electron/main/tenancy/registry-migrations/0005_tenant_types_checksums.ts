import type { MigrationDefinition } from '../../migrations/types.ts'

/**
 * Tenant types and migration checksums (issue 12):
 *
 * - `tenants.type`: which of the project's tenant types a tenant is, so each
 *   gets its own type's migrations. Tenants from before types existed were the
 *   demo's only kind, `standard`; afterwards every insert names its type.
 * - `checksum` in both ledgers (SHA-256 of the migration's file when it was
 *   applied): a file edited after it ran is refused instead of silently
 *   diverging from what the tenants have. NULL for rows recorded before this
 *   migration; `migrate` records the current file's checksum for those.
 *   Every tenant schema's own ledger gets the column here too (the loop
 *   covers any schema holding a ledger: tenants, pooled and moved ones).
 */
export const migration: MigrationDefinition = {
  name: '0005_tenant_types_checksums',
  async up({ exec }) {
    await exec(`
      ALTER TABLE tenants ADD COLUMN type text NOT NULL DEFAULT 'standard'
        CONSTRAINT tenants_type_check CHECK (type ~ '^[a-z][a-z0-9_-]{0,39}$');
      ALTER TABLE tenants ALTER COLUMN type DROP DEFAULT;
      ALTER TABLE tenant_migrations ADD COLUMN checksum text
        CONSTRAINT tenant_migrations_checksum_check CHECK (checksum ~ '^[0-9a-f]{64}$');
      ALTER TABLE schemata_migrations ADD COLUMN IF NOT EXISTS checksum text;
      DO $ledgers$
      DECLARE
        s text;
      BEGIN
        FOR s IN SELECT n.nspname FROM pg_catalog.pg_namespace n
                   JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = 'schemata_migrations' AND c.relkind = 'r'
                  WHERE n.nspname <> 'public'
        LOOP
          EXECUTE pg_catalog.format('ALTER TABLE %I.schemata_migrations ADD COLUMN IF NOT EXISTS checksum text', s);
        END LOOP;
      END
      $ledgers$;
    `)
  },
  async down({ exec }) {
    await exec(`
      ALTER TABLE tenant_migrations DROP COLUMN checksum;
      ALTER TABLE tenants DROP COLUMN type;
    `)
  },
}
