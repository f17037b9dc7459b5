import pg from 'pg'
import { quoteIdent, quoteLiteral } from './sql.ts'

/** The library the embedded server preloads so PostgreSQL can attribute statement cost per tenant role. */
export const STATEMENT_STATS_LIBRARY = 'pg_stat_statements'

/**
 * Where our bootstrap creates the extension. Not `public`: the extension's
 * view is granted to PUBLIC, and tenant roles have USAGE on `public` (for the
 * shared readable tables), so there a tenant could read every other tenant's
 * call counts and timings. This schema grants USAGE to the database owner only.
 */
export const STATEMENT_STATS_SCHEMA = 'schemata_stats'

/** A superuser connection to the database the app uses (or its URL). */
export interface SuperuserTarget {
  host: string
  port: number
  user: string
  password: string
  database: string
}

/**
 * Creates pg_stat_statements in the app's database and lets the database
 * owner (the app's login) read it, including other roles' statement texts
 * (pg_read_all_stats). Needs a superuser: the extension is not a trusted one.
 * Idempotent; an extension someone already created elsewhere is left where it is.
 */
export async function installStatementStats(target: SuperuserTarget | string): Promise<void> {
  const where = typeof target === 'string' ? { connectionString: target } : target
  const client = new pg.Client({ ...where, connectionTimeoutMillis: 10_000 })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(`
      SET client_min_messages = warning;
      CREATE SCHEMA IF NOT EXISTS ${quoteIdent(STATEMENT_STATS_SCHEMA)};
      CREATE EXTENSION IF NOT EXISTS ${STATEMENT_STATS_LIBRARY} WITH SCHEMA ${quoteIdent(STATEMENT_STATS_SCHEMA)};
      DO $grant$
      DECLARE owner text := (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database());
      BEGIN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', ${quoteLiteral(STATEMENT_STATS_SCHEMA)}, owner);
        IF NOT pg_has_role(owner, 'pg_read_all_stats', 'USAGE') THEN
          EXECUTE format('GRANT pg_read_all_stats TO %I', owner);
        END IF;
      END
      $grant$;`)
  } finally {
    await client.end().catch(() => {})
  }
}

