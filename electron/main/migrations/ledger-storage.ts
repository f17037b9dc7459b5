import type { UmzugStorage } from 'umzug'
import { qualified } from '../db/sql.ts'
import type { MigrationContext } from './types.ts'

/** Name of the per-schema ledger table; each schema knows what it has. */
export const LEDGER_TABLE = 'schemata_migrations'

/** DDL for a schema's own ledger; idempotent so a rerun after a crash is harmless. */
export function ledgerTableSql(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, LEDGER_TABLE)} (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`
}

/**
 * umzug storage that writes through the schema's migration transaction. umzug
 * calls `logMigration` right after `up()` returns; since both use the same
 * transaction, the ledger row commits with the migration's changes or not at
 * all. Tenant schemas mirror each row into `public.tenant_migrations` in the
 * same statement, so the central ledger cannot disagree with the schema's own.
 */
export class TransactionalLedgerStorage implements UmzugStorage<MigrationContext> {
  constructor(
    private readonly schema: string,
    private readonly mirrorToCentral: boolean,
    private readonly query: MigrationContext['query'],
  ) {}

  async executed(): Promise<string[]> {
    const rows = await this.query(`SELECT name FROM ${qualified(this.schema, LEDGER_TABLE)} ORDER BY name`)
    return rows.map((row) => String(row.name))
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    const ledger = qualified(this.schema, LEDGER_TABLE)
    if (this.mirrorToCentral) {
      await this.query(
        `WITH own AS (INSERT INTO ${ledger} (name) VALUES ($1))
         INSERT INTO public.tenant_migrations (schema, name) VALUES ($2, $1)`,
        [name, this.schema],
      )
    } else {
      await this.query(`INSERT INTO ${ledger} (name) VALUES ($1)`, [name])
    }
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    const ledger = qualified(this.schema, LEDGER_TABLE)
    if (this.mirrorToCentral) {
      await this.query(
        `WITH own AS (DELETE FROM ${ledger} WHERE name = $1)
         DELETE FROM public.tenant_migrations WHERE schema = $2 AND name = $1`,
        [name, this.schema],
      )
    } else {
      await this.query(`DELETE FROM ${ledger} WHERE name = $1`, [name])
    }
  }
}
