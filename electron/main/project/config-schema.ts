import { z } from 'zod'

/*
 * `schemata.config.json`, declared once: the runtime validation and the
 * published JSON Schema (schemata.config.schema.json, generated from this by
 * `npm run config-schema`) come from the same object, so an editor's
 * completion and the loader never disagree about a key.
 */

/** Tenant type names: short, lowercase, safe in a CLI flag, a file name and a UI label. */
export const TENANT_TYPE_NAME = /^[a-z][a-z0-9_-]{0,39}$/

/** A table in `public` named without its schema; the same rule as tenant schema names. */
export const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/

/** A host name without port: dot-separated labels of a-z, 0-9 and inner hyphens. */
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

const folder = z
  .string()
  .min(1, { error: 'must be a folder path (relative to the config file)' })
  .max(1024)
  .describe('A folder of migration files, relative to this config file.')

const folders = z
  .union([folder, z.array(folder).min(1, { error: 'must list at least one folder' }).max(20)])
  .describe('One folder, or several whose migrations are merged and ordered by name.')

const tenantType = z
  .strictObject({
    migrations: folders,
    label: z.string().min(1).max(60).optional().describe('How the console shows this type; defaults to the type name.'),
    description: z.string().max(300).optional(),
  })
  .describe('A kind of tenant: the tenant migrations every tenant of this type gets.')

const embedded = z
  .strictObject({
    mode: z.literal('embedded'),
    dataDir: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe('Where the embedded server keeps its data (relative to this file); default: a per-project folder in the per-user app data.'),
  })
  .describe('The embedded PostgreSQL server, started on demand.')

const external = z
  .strictObject({
    mode: z.literal('external'),
    url: z.string().min(1).max(2048).optional().describe('postgres://user@host:5432/db (prefer urlEnv to keep passwords out of files).'),
    urlEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { error: 'must be an environment variable name' })
      .optional()
      .describe('The environment variable holding the connection URL.'),
  })
  .describe('An external PostgreSQL server. DATABASE_URL in the environment always wins.')

/** The config file as written (before paths are resolved). */
export const projectConfigSchema = z
  .strictObject({
    $schema: z.string().max(2048).optional().describe('This file\u2019s JSON Schema, for editors.'),
    name: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(100)
      .optional()
      .describe('The project\u2019s name as shown in the console; defaults to the folder name.'),
    sharedMigrations: folder
      .optional()
      .describe('Migrations of the shared tables in `public`, applied before any tenant migration.'),
    tenantTypes: z
      .record(z.string().regex(TENANT_TYPE_NAME), tenantType)
      .describe('Each kind of tenant and its migration folder(s). One type is enough; name it what you like.'),
    defaultTenantType: z
      .string()
      .regex(TENANT_TYPE_NAME)
      .optional()
      .describe('The type of a tenant created without one; required when there is more than one type.'),
    sharedReadable: z
      .array(z.string().regex(TABLE_NAME, { error: 'must be a table name in public, without a schema: ^[a-z_][a-z0-9_]{0,62}$' }))
      .max(200)
      .optional()
      .describe('Tables in `public` every tenant may SELECT and reference by foreign key, but never write.'),
    baseDomain: z
      .string()
      .regex(HOST_NAME, { error: 'must be a lowercase host name without a port, e.g. localhost or example.com' })
      .max(200)
      .optional()
      .describe('Tenants are reached at <schema>.<baseDomain>; default localhost.'),
    routing: z
      .strictObject({
        subdomains: z.boolean().optional().describe('Resolve <schema>.<baseDomain> to that tenant (default true).'),
        header: z
          .string()
          .regex(HEADER_NAME, { error: 'must be an HTTP header name (letters, digits, hyphens)' })
          .optional()
          .describe('The request header naming a tenant (default X-Tenant).'),
        pathPrefix: z.boolean().optional().describe('Also route /t/<schema>/api/… to that tenant (default false).'),
      })
      .optional()
      .describe('How the tenant API finds the tenant of a request.'),
    pool: z
      .strictObject({
        size: z.number().int({ error: 'must be a whole number' }).min(0).max(1000).describe('How many ready tenant schemas to keep (0: no pool).'),
      })
      .optional()
      .describe('A warm pool of ready tenant schemas (default type) that tenant create claims instantly.'),
    database: z
      .discriminatedUnion('mode', [embedded, external], { error: 'must be {"mode": "embedded"} or {"mode": "external", "url"|"urlEnv": …}' })
      .optional()
      .describe('Where the tenants live; default: the embedded server.'),
  })
  .describe('A Schemata project: its migrations, tenant types, shared tables and routing.')

export type ProjectConfigFile = z.infer<typeof projectConfigSchema>

/** The published JSON Schema of `schemata.config.json`. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(projectConfigSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'schemata.config.json',
  }
}
