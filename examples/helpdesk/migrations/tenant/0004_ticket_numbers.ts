/**
 * Ticket numbers people can say on the phone ("#1042"): per tenant, starting
 * at 1001, backfilled in creation order. A TypeScript migration beside the SQL
 * ones: `up` and `down` get `exec` (SQL whose result is not needed) and
 * `query` (SQL whose rows are); the migrator sets search_path, so no schema is
 * named here.
 */
interface MigrationContext {
  exec: (sql: string) => Promise<void>
  query: (sql: string, bind?: readonly unknown[]) => Promise<Record<string, unknown>[]>
}

export async function up({ exec }: MigrationContext): Promise<void> {
  await exec(`
    CREATE SEQUENCE ticket_number_seq START 1001;
    ALTER TABLE tickets ADD COLUMN number bigint;
    UPDATE tickets SET number = nextval('ticket_number_seq')
      FROM (SELECT id FROM tickets ORDER BY created_at, id) AS ordered
     WHERE tickets.id = ordered.id;
    ALTER TABLE tickets
      ALTER COLUMN number SET DEFAULT nextval('ticket_number_seq'),
      ALTER COLUMN number SET NOT NULL,
      ADD CONSTRAINT tickets_number_key UNIQUE (number);
    ALTER SEQUENCE ticket_number_seq OWNED BY tickets.number;
  `)
}

export async function down({ exec }: MigrationContext): Promise<void> {
  await exec('ALTER TABLE tickets DROP COLUMN number')
}
