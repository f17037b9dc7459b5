import type { UmzugStorage } from 'umzug'
import { qualified, quoteLiteral } from '../db/sql.ts'
import type { MigrationContext } from './types.ts'

/** Name of the per-schema ledger table; each schema knows what it has. */
export const LEDGER_TABLE = 'schemata_migrations'

/** DDL for a schema's own ledger; idempotent so a rerun after a crash is harmless. */
export function ledgerTableSql(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, LEDGER_TABLE)} (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now(),
    checksum text
  )`
}

/** A migration file's SHA-256 in hex: the only checksum form the ledgers accept. */
export const CHECKSUM = /^[0-9a-f]{64}$/

/** How migrations are named (`0001_create_tickets`, or a dbmate-style timestamp version): what `recordAppliedInline` accepts. */
export const MIGRATION_NAME = /^[0-9]{4,14}_[a-z0-9_]{1,100}$/

/**
 * The ledger rows of `names` with the values written into the statements, so
 * they can ride in a simple-protocol message with the migration's SQL and
 * COMMIT (that protocol takes no bind parameters) — one protocol message fewer
 * per schema, the difference between 1.3 × and 1.2 × the floor in a fleet
 * migration here. The exception to "values are bind
 * parameters" is narrow: only an allow-listed schema name and migration names
 * from our own code that match MIGRATION_NAME reach it, and they are quoted
 * by the one literal helper all the same.
 */
export function recordAppliedInline(
  schema: string,
  mirrorToCentral: boolean,
  names: readonly string[],
  checksums: ReadonlyMap<string, string> = new Map(),
): string {
  for (const name of names) {
    if (!MIGRATION_NAME.test(name)) throw new Error(`migration name ${JSON.stringify(name)} does not match ${String(MIGRATION_NAME)}`)
    const checksum = checksums.get(name)
    if (checksum !== undefined && !CHECKSUM.test(checksum)) throw new Error(`checksum of ${name} is not a SHA-256 in hex`)
  }
  const ledger = qualified(schema, LEDGER_TABLE)
  // The checksum column only when there is one to write: Schemata's own older registry migrations
  // (which have none) are recorded before the migration that adds the column has run.
  const withSum = names.some((name) => checksums.has(name))
  const sum = (name: string): string => (withSum ? `, ${checksums.has(name) ? quoteLiteral(checksums.get(name) as string) : 'NULL'}` : '')
  const columns = withSum ? '(name, checksum)' : '(name)'
  const own = `INSERT INTO ${ledger} ${columns} VALUES ${names.map((name) => `(${quoteLiteral(name)}${sum(name)})`).join(', ')}`
  if (!mirrorToCentral) return own
  const central = names.map((name) => `(${quoteLiteral(schema)}, ${quoteLiteral(name)}${sum(name)})`).join(', ')
  return `${own};\nINSERT INTO public.tenant_migrations (schema, ${columns.slice(1)} VALUES ${central}`
}

/**
 * The statements recording `names` in the schema's ledger and, for a tenant,
 * in `public.tenant_migrations`: inline when every name is one of ours (so
 * they can wait in the queue and leave with the migration's SQL), as bind
 * parameters otherwise.
 */
function recordAppliedSql(
  schema: string,
  mirrorToCentral: boolean,
  names: readonly string[],
  checksums: ReadonlyMap<string, string>,
): { sql: string; bind?: unknown[] } {
  if (names.every((name) => MIGRATION_NAME.test(name))) return { sql: recordAppliedInline(schema, mirrorToCentral, names, checksums) }
  const ledger = qualified(schema, LEDGER_TABLE)
  const sums = names.map((name) => checksums.get(name) ?? null)
  if (sums.every((sum) => sum === null)) {
    return mirrorToCentral
      ? {
          sql: `WITH own AS (INSERT INTO ${ledger} (name) SELECT unnest($1::text[]))
                INSERT INTO public.tenant_migrations (schema, name) SELECT $2::text, unnest($1::text[])`,
          bind: [names, schema],
        }
      : { sql: `INSERT INTO ${ledger} (name) SELECT unnest($1::text[])`, bind: [names] }
  }
  return mirrorToCentral
    ? {
        sql: `WITH own AS (INSERT INTO ${ledger} (name, checksum) SELECT * FROM unnest($1::text[], $3::text[]))
              INSERT INTO public.tenant_migrations (schema, name, checksum) SELECT $2::text, n, c FROM unnest($1::text[], $3::text[]) AS x(n, c)`,
        bind: [names, schema, sums],
      }
    : { sql: `INSERT INTO ${ledger} (name, checksum) SELECT * FROM unnest($1::text[], $2::text[])`, bind: [names, sums] }
}

export interface SchemaLedgerOptions {
  /** Tenant schemas mirror their ledger into `public.tenant_migrations` (the central ledger); `public` does not. */
  mirrorToCentral: boolean
  /**
   * What the schema has applied, when the caller knows (the central ledger read
   * under the migrator lock, or nothing for a schema created in this very
   * transaction): then nothing is read before the migrations go out.
   */
  applied?: readonly string[]
  /** Each migration's file checksum, recorded with its rows in both ledgers. */
  checksums?: ReadonlyMap<string, string>
}

/**
 * umzug's storage for one schema, inside the schema's migration transaction
 * (its statements go through the migration context, so they are that
 * transaction's): `logMigration` queues the migration's rows in both ledgers
 * right behind its SQL, so the schema's changes and what records them commit
 * together or not at all. Should the schema's own ledger already hold a row
 * (the plan was wrong: the ledger was changed by hand), its primary key fails
 * the transaction, and nothing is applied twice.
 */
export class SchemaLedgerStorage implements UmzugStorage<MigrationContext> {
  constructor(
    private readonly schema: string,
    private readonly options: SchemaLedgerOptions,
  ) {}

  /**
   * What the schema has applied: as given, or its own ledger read under the
   * schema lock. The schema's ledger is the truth: for a tenant, what it holds
   * and the central ledger lacks is copied there.
   */
  async executed({ context }: { context: MigrationContext }): Promise<string[]> {
    if (this.options.applied !== undefined) return [...this.options.applied]
    const rows = await context.query(`SELECT name, checksum FROM ${qualified(this.schema, LEDGER_TABLE)} ORDER BY name`)
    const names = rows.map((row) => String(row.name))
    if (this.options.mirrorToCentral && names.length > 0) {
      await context.exec(
        'INSERT INTO public.tenant_migrations (schema, name, checksum) SELECT $1::text, n, c FROM unnest($2::text[], $3::text[]) AS x(n, c) ON CONFLICT DO NOTHING',
        [this.schema, names, rows.map((row) => (typeof row.checksum === 'string' ? row.checksum : null))],
      )
    }
    return names
  }

  async logMigration({ name, context }: { name: string; context: MigrationContext }): Promise<void> {
    const record = recordAppliedSql(this.schema, this.options.mirrorToCentral, [name], this.options.checksums ?? new Map())
    await context.exec(record.sql, record.bind)
  }

  async unlogMigration({ name, context }: { name: string; context: MigrationContext }): Promise<void> {
    const ledger = qualified(this.schema, LEDGER_TABLE)
    if (this.options.mirrorToCentral) {
      await context.exec(
        `WITH own AS (DELETE FROM ${ledger} WHERE name = $1)
         DELETE FROM public.tenant_migrations WHERE schema = $2 AND name = $1`,
        [name, this.schema],
      )
    } else {
      await context.exec(`DELETE FROM ${ledger} WHERE name = $1`, [name])
    }
  }
}
