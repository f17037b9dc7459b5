import type { Database } from '../db/database.ts'
import type { DiagnosedFinding } from './findings.ts'

/*
 * `schemata doctor --citus`: can every tenant schema be handed to Citus
 * schema-based sharding (`SELECT citus_schema_distribute('acme')`, which makes
 * the schema's tables colocated single-shard tables and places them on a
 * worker)? Read from the catalog of plain PostgreSQL, so it can be checked
 * before a Citus cluster exists. The rules (docs/scale-out.md):
 *
 * - every tenant table has a primary key: Citus moves a schema between nodes
 *   by logical replication, which needs a replica identity for UPDATE/DELETE;
 * - a foreign key out of a tenant schema goes to its own schema or to a
 *   shared table of `public`, which must become a Citus reference table
 *   (`create_reference_table`); none points into a tenant schema from outside;
 * - no object Citus cannot distribute: foreign tables, materialized views,
 *   tables inheriting (not partitions of) another table, unlogged tables.
 */

interface Row {
  schema: string
  subject: string
  detail: string | null
}

const WHY = {
  primaryKey: 'Citus moves a tenant schema between nodes by logical replication, which needs a primary key (replica identity) on every table',
  foreignKeyOut:
    'a distributed tenant schema lives on one worker; a foreign key to another tenant schema or to a registry table would span nodes, which Citus refuses',
  foreignKeyIn: 'a table outside the schema referencing it would have to reach into a worker; Citus refuses foreign keys into a distributed schema',
  unsupported: 'citus_schema_distribute refuses a schema holding it',
} as const

export interface CitusReadiness {
  findings: DiagnosedFinding[]
  /** Tables of `public` that tenant tables reference: they must become Citus reference tables. */
  referenceTables: string[]
}

/** What in the tenant schemas (pooled ones included) Citus schema-based sharding would refuse. */
export async function citusReadiness(db: Database): Promise<CitusReadiness> {
  const tenants = "SELECT schema FROM public.tenants WHERE status IN ('active', 'suspended', 'pooled', 'moving')"
  const findings: DiagnosedFinding[] = []
  const add = (row: Row, check: DiagnosedFinding['check'], severity: DiagnosedFinding['severity'], what: string, why: string) =>
    findings.push({ schema: row.schema, check, subject: row.subject, severity, message: `${what}: ${why}`, fixable: false })

  const noPrimaryKey = await db.rows<Row>(
    `SELECT n.nspname AS schema, c.relname AS subject, NULL AS detail
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN (${tenants}) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
      ORDER BY 1, 2`,
  )
  for (const row of noPrimaryKey) add(row, 'citus-primary-key', 'error', `table ${row.schema}.${row.subject} has no primary key`, WHY.primaryKey)

  const keys = await db.rows<Row & { direction: 'out' | 'in'; target_schema: string; target: string }>(
    `SELECT src.nspname AS schema, k.conname AS subject, 'out' AS direction, dst.nspname AS target_schema, dc.relname AS target, sc.relname AS detail
       FROM pg_constraint k
       JOIN pg_class sc ON sc.oid = k.conrelid JOIN pg_namespace src ON src.oid = sc.relnamespace
       JOIN pg_class dc ON dc.oid = k.confrelid JOIN pg_namespace dst ON dst.oid = dc.relnamespace
      WHERE k.contype = 'f' AND src.nspname IN (${tenants}) AND dst.nspname <> src.nspname
     UNION ALL
     SELECT dst.nspname, k.conname, 'in', src.nspname, sc.relname, dc.relname
       FROM pg_constraint k
       JOIN pg_class sc ON sc.oid = k.conrelid JOIN pg_namespace src ON src.oid = sc.relnamespace
       JOIN pg_class dc ON dc.oid = k.confrelid JOIN pg_namespace dst ON dst.oid = dc.relnamespace
      WHERE k.contype = 'f' AND dst.nspname IN (${tenants}) AND src.nspname <> dst.nspname AND src.nspname NOT IN (${tenants})
      ORDER BY 1, 2`,
  )
  const registry = new Set(['tenants', 'domains', 'tenant_migrations', 'schemata_migrations'])
  const references = new Set<string>()
  for (const row of keys) {
    if (row.direction === 'in') {
      add(row, 'citus-foreign-key', 'error', `${row.target_schema}.${row.target} references ${row.schema}.${row.detail ?? '?'} (${row.subject})`, WHY.foreignKeyIn)
    } else if (row.target_schema === 'public' && !registry.has(row.target)) {
      references.add(row.target)
    } else {
      add(row, 'citus-foreign-key', 'error', `${row.schema}.${row.detail ?? '?'} references ${row.target_schema}.${row.target} (${row.subject})`, WHY.foreignKeyOut)
    }
  }

  const unsupported = await db.rows<Row>(
    `SELECT n.nspname AS schema, c.relname AS subject,
            CASE WHEN c.relkind = 'f' THEN 'a foreign table'
                 WHEN c.relkind = 'm' THEN 'a materialized view'
                 WHEN c.relpersistence = 'u' THEN 'an unlogged table'
                 ELSE 'a table inheriting from another (not a partition)' END AS detail
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN (${tenants})
        AND (c.relkind IN ('f', 'm') OR (c.relkind = 'r' AND c.relpersistence = 'u')
             OR (c.relkind = 'r' AND NOT c.relispartition AND EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)))
      ORDER BY 1, 2`,
  )
  for (const row of unsupported) add(row, 'citus-unsupported', 'error', `${row.schema}.${row.subject} is ${row.detail ?? 'unsupported'}`, WHY.unsupported)
  return { findings, referenceTables: [...references].sort() }
}
