import type { MigrationDefinition } from '../../migrations/types.ts'

/** The tenant registry and the central ledger of tenant migrations, in `public`. */
export const migration: MigrationDefinition = {
  name: '0001_create_registry',
  async up({ query }) {
    await query(`
      CREATE TABLE tenants (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        schema      text NOT NULL UNIQUE CHECK (schema ~ '^[a-z_][a-z0-9_]{0,62}$'),
        role        text NOT NULL UNIQUE,
        status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE domains (
        domain      text PRIMARY KEY CHECK (domain = lower(domain)),
        tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        is_primary  boolean NOT NULL DEFAULT false
      );
      CREATE INDEX domains_tenant_id_idx ON domains (tenant_id);
      CREATE UNIQUE INDEX domains_one_primary_idx ON domains (tenant_id) WHERE is_primary;
      -- "Who is behind" is one query over this table; each row is written in the
      -- same transaction as the tenant schema's own ledger row.
      CREATE TABLE tenant_migrations (
        schema      text NOT NULL REFERENCES tenants (schema) ON DELETE CASCADE,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (schema, name)
      );
    `)
  },
  async down({ query }) {
    await query('DROP TABLE tenant_migrations; DROP TABLE domains; DROP TABLE tenants;')
  },
}
