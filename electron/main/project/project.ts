import type { MigrationDefinition } from '../migrations/types.ts'

/** A kind of tenant and the tenant migrations each tenant of it gets, merged from its folders and ordered by name. */
export interface TenantTypeDefinition {
  readonly name: string
  readonly label: string
  readonly description?: string
  /** Absolute paths, in the order the config lists them. */
  readonly folders: readonly string[]
  readonly migrations: readonly MigrationDefinition[]
}

/** How the tenant API finds a request's tenant. */
export interface RoutingOptions {
  /** `<schema>.<baseDomain>` names a tenant. */
  readonly subdomains: boolean
  /** The header naming a tenant, e.g. `X-Tenant`. */
  readonly header: string
  /** `/t/<schema>/api/…` on any served host names a tenant. */
  readonly pathPrefix: boolean
}

/** Where a project's database is; `DATABASE_URL` in the environment overrides it. */
export type ProjectDatabase =
  | { readonly mode: 'embedded'; /** Absolute; undefined: the default for this project. */ readonly dataDir?: string }
  | { readonly mode: 'external'; readonly url?: string; readonly urlEnv?: string }

/** A loaded and fully validated project: everything `schemata.config.json` declares, with its migrations read. */
export interface Project {
  readonly name: string
  /** The folder holding the config file; relative paths in it are relative to this. */
  readonly root: string
  readonly configPath: string
  /** The demo that ships with Schemata (the repository's own config). */
  readonly builtin: boolean
  readonly sharedFolder?: string
  /** Migrations of the project's shared tables in `public`. */
  readonly shared: readonly MigrationDefinition[]
  /** In the order the config declares them. */
  readonly tenantTypes: readonly TenantTypeDefinition[]
  readonly defaultTenantType: string
  /** Tables in `public` every tenant role may SELECT and REFERENCE, never write. */
  readonly sharedReadable: readonly string[]
  readonly baseDomain: string
  readonly routing: RoutingOptions
  readonly database: ProjectDatabase
  /** The warm pool of ready tenant schemas; size 0 is none. */
  readonly pool: { readonly size: number }
}

/** The routing a project gets when its config says nothing. */
export const DEFAULT_ROUTING: RoutingOptions = { subdomains: true, header: 'X-Tenant', pathPrefix: false }
