import { connectPlain } from './pg-client.ts'
import { qualified } from '../electron/main/db/sql.ts'

/*
 * What a tenant leaves in the catalog and the registry, with names abstracted
 * away. The floor and the core must leave the same footprint, or the floor is
 * not the same work and the ratio means nothing — so a drifting floor fails
 * the run (and the smoke test) instead of flattering the core.
 */
const FOOTPRINT_SQL = `
  SELECT
    (SELECT json_object_agg(kind, n ORDER BY kind) FROM (
       SELECT c.relkind::text AS kind, count(*) AS n FROM pg_class c
        WHERE c.relnamespace = $1::text::regnamespace GROUP BY c.relkind) k) AS relations,
    (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = $1::text::regnamespace AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
    (SELECT json_object_agg(kind, n ORDER BY kind) FROM (
       SELECT contype::text AS kind, count(*) AS n FROM pg_constraint
        WHERE connamespace = $1::text::regnamespace GROUP BY contype) k) AS constraints,
    (SELECT count(*) FROM pg_default_acl WHERE defaclnamespace = $1::text::regnamespace) AS default_acls,
    (SELECT cardinality(nspacl) FROM pg_namespace WHERE oid = $1::text::regnamespace) AS schema_acl_items,
    (SELECT row(r.rolcanlogin, r.rolinherit, r.rolsuper)::text FROM public.tenants t JOIN pg_roles r ON r.rolname = t.role
      WHERE t.schema = $1::text) AS role,
    (SELECT count(*) FROM public.domains d JOIN public.tenants t ON t.id = d.tenant_id WHERE t.schema = $1::text) AS domains,
    (SELECT array_agg(name ORDER BY name) FROM public.tenant_migrations WHERE schema = $1::text) AS central_ledger`

/** A canonical description of one tenant's footprint in the database at `url`. */
export async function tenantFootprint(url: string, schema: string): Promise<string> {
  const client = await connectPlain(url)
  try {
    const { rows } = await client.query(FOOTPRINT_SQL, [schema])
    const own = await client.query<{ name: string }>(`SELECT name FROM ${qualified(schema, 'schemata_migrations')} ORDER BY name`)
    return JSON.stringify({ ...rows[0], own_ledger: own.rows.map((row) => row.name) })
  } finally {
    await client.end()
  }
}

/** Throws unless the floor's tenant and the core's tenant left the same footprint. */
export async function assertSameFootprint(serviceUrl: string, floorUrl: string, schema: string): Promise<void> {
  const [service, floor] = await Promise.all([tenantFootprint(serviceUrl, schema), tenantFootprint(floorUrl, schema)])
  if (service !== floor) {
    throw new Error(`the floor no longer does what createTenant does for "${schema}":\n  core:  ${service}\n  floor: ${floor}`)
  }
}
