import type { Database } from '../db/database.ts'
import { type TypeChange, changeTenantType } from '../migrations/change-tenant-type.ts'
import type { MigrationReport } from '../migrations/events.ts'
import { type ChecksumRepair, type MigrateSchemasOptions, type MigrationSets, migrateSchemas, repairChecksums } from '../migrations/migrate-schemas.ts'
import { sharedMigrationsOf } from '../migrations/shared-set.ts'
import { PoolKeeper } from '../lifecycle/pool-keeper.ts'
import { renameTenant, swapTenants } from '../lifecycle/rename-tenant.ts'
import { type PoolConfig, type PoolKind, type PoolStatus, claimPooled, fillPool, poolStatus } from '../lifecycle/warm-pool.ts'
import type { MigrationDefinition } from '../migrations/types.ts'
import { DEFAULT_ROUTING, type Project } from '../project/project.ts'
import { displayPath } from '../project/display-path.ts'
import { TenantResolver } from '../routing/tenant-resolver.ts'
import type { Resolution, ResolveRequest, RouteRules } from '../routing/resolve-tenant.ts'
import { defineTenantModels, type TenantModels } from './models.ts'
import { type ScopeOptions, type TenantScope, withTenant } from './scope.ts'
import { type CreateTenantInput, validateTenantInput } from './tenant-input.ts'
import { TenantSessions } from './tenant-sessions.ts'
import { type SharedReadableSync, grantSharedReadable } from './shared-readers.ts'
import {
  type RegistryOptions,
  type Tenant,
  type TenantStatus,
  type TenantSummary,
  createTenant,
  dropTenant,
  getTenant,
  listTenants,
  migrationsOfTenantType,
  setTenantDomains,
  setTenantStatus,
  tenantsBehind,
} from './tenant-registry.ts'

export interface TenancyOptions {
  /** The project this core serves: its migrations, tenant types, shared tables and routing (see loadProject). */
  project?: Project
  /**
   * Replaces what the project declares: `shared`, the complete list applied to
   * `public` (Schemata's registry migrations included); `tenant`, the default
   * type's migrations. Without a project, `tenant` is required and makes a
   * project of one type.
   */
  migrations?: Partial<MigrationSets>
  baseDomain?: string
  /** The warm pool; default: the project's (`pool: { size: N }` in schemata.config.json). */
  pool?: PoolConfig
}

/** A project of one tenant type made from migrations given in code (tests, benchmarks). */
function projectOf(tenant: readonly MigrationDefinition[], baseDomain: string | undefined): Project {
  return {
    name: 'untitled',
    root: process.cwd(),
    configPath: '',
    builtin: false,
    shared: [],
    tenantTypes: [{ name: 'standard', label: 'standard', folders: [], migrations: tenant }],
    defaultTenantType: 'standard',
    sharedReadable: [],
    baseDomain: baseDomain ?? 'localhost',
    routing: DEFAULT_ROUTING,
    database: { mode: 'embedded' },
    pool: { size: 0 },
  }
}

/**
 * The tenancy core, bound to one database and one set of migrations: what the
 * CLI, the contract handlers and the HTTP server all drive.
 */
export class Tenancy {
  readonly db: Database
  readonly project: Project
  readonly migrations: MigrationSets
  readonly baseDomain: string
  readonly models: TenantModels
  readonly resolver: TenantResolver
  readonly pool: PoolConfig
  private keeper: PoolKeeper | undefined
  private sessionPool: TenantSessions | undefined

  constructor(db: Database, options: TenancyOptions = {}) {
    this.db = db
    const given = options.project
    if (!given && !options.migrations) throw new Error('Tenancy needs a project (loadProject) or migrations')
    this.project = given ?? projectOf(options.migrations?.tenant ?? [], options.baseDomain)
    const givenTypes = options.migrations?.types
    const types = new Map(givenTypes ?? this.project.tenantTypes.map((type) => [type.name, type.migrations] as const))
    const defaultType = options.migrations?.defaultType ?? this.project.defaultTenantType
    if (options.migrations?.tenant) types.set(defaultType, options.migrations.tenant)
    this.migrations = {
      // Schemata's own registry first, then the project's shared tables: one list, one ledger in public.
      shared: options.migrations?.shared ?? sharedMigrationsOf(this.project),
      tenant: types.get(defaultType) ?? [],
      types,
      defaultType,
    }
    this.baseDomain = options.baseDomain ?? this.project.baseDomain
    this.models = defineTenantModels(db.sequelize)
    this.resolver = new TenantResolver(db, { ...this.project.routing, baseDomain: this.baseDomain })
    this.pool = options.pool ?? this.project.pool
  }

  private get registryOptions(): RegistryOptions {
    return {
      tenantMigrations: this.migrations.tenant,
      types: this.migrations.types,
      defaultType: this.migrations.defaultType,
      baseDomain: this.baseDomain,
    }
  }

  /** The warm pool holds tenants of the default type. */
  private get poolKind(): PoolKind {
    return { type: this.migrations.defaultType, migrations: this.migrations.tenant }
  }

  /** A tenant type's migrations, or InvalidInputError (on `field`) naming the project's types. */
  migrationsOfType(type: string, field = 'type'): readonly MigrationDefinition[] {
    return migrationsOfTenantType(this.registryOptions, type, field)
  }

  /** Changes a tenant's type, reverting and applying migrations as the new type needs: see `changeTenantType`. */
  changeTenantType(schema: string, type: string, options?: Parameters<typeof changeTenantType>[4]): Promise<TypeChange> {
    return changeTenantType(this.db, this.migrations, schema, type, options)
  }

  /** Accepts the migration files as they are now: see `repairChecksums`. */
  repairChecksums(options?: Pick<MigrateSchemasOptions, 'schema' | 'concurrency' | 'wait' | 'onEvent'>): Promise<ChecksumRepair> {
    return repairChecksums(this.db, this.migrations, options)
  }

  /** Applies shared and/or tenant migrations (pooled schemas too); see `migrateSchemas`. */
  async migrate(options?: MigrateSchemasOptions): Promise<MigrationReport> {
    const report = await migrateSchemas(this.db, this.migrations, options)
    // Shared migrations create the shared readable tables; their grants follow the config on every run.
    const ranShared = options?.shared === true || !options?.tenant
    if (ranShared && report.shared?.status !== 'failed') await this.grantSharedReadable()
    // Pooled schemas were migrated with the rest; one that failed is replaced by the refill.
    this.keeper?.kick()
    return report
  }

  /**
   * Creates a tenant: with a warm pool, by claiming a ready pooled schema (a
   * rename, one transaction) and refilling the pool in the background;
   * otherwise, or when none is ready, by building one (createTenant).
   */
  async createTenant(input: CreateTenantInput): Promise<Tenant> {
    // The pool holds the default type only.
    if (this.pool.size > 0 && (input.type === undefined || input.type === this.migrations.defaultType)) {
      const claimed = await claimPooled(this.db, this.poolKind, validateTenantInput(input, this.baseDomain))
      if (claimed) {
        this.resolver.invalidate()
        this.keeper?.kick()
        return claimed
      }
    }
    const tenant = await createTenant(this.db, this.registryOptions, input)
    this.resolver.invalidate()
    this.keeper?.kick()
    return tenant
  }

  /** Grants the project's shared readable tables to every tenant role (and only those): see `grantSharedReadable`. */
  grantSharedReadable(): Promise<SharedReadableSync> {
    return grantSharedReadable(this.db, this.project.sharedReadable, this.project.configPath ? displayPath(this.project.configPath) : undefined)
  }

  /** Tops the warm pool up to its size now; returns how many schemas it made. */
  fillPool(shouldStop?: () => boolean): Promise<number> {
    return fillPool(this.db, this.poolKind, this.pool.size, shouldStop)
  }

  /** Ready and behind pooled schemas against the configured size. */
  poolStatus(): Promise<PoolStatus> {
    return poolStatus(this.db, this.migrations.tenant, this.pool.size)
  }

  /**
   * Keeps the warm pool full in the background from now on (long-running
   * processes: the app, `serve`): filled now, after each claim and after
   * each migration run. `close()` stops it.
   */
  startPoolKeeper(onError?: (error: unknown) => void): void {
    if (this.pool.size === 0 || this.keeper) return
    this.keeper = new PoolKeeper((shouldStop) => this.fillPool(shouldStop), onError)
    this.keeper.kick()
  }

  /** Stops the background refill (waits for the schema being made, if any). */
  async stopPoolKeeper(): Promise<void> {
    await this.keeper?.close()
    this.keeper = undefined
  }

  /** Resolves when no background refill is running. */
  async poolIdle(): Promise<void> {
    await this.keeper?.idle()
  }

  async dropTenant(schema: string): Promise<void> {
    await dropTenant(this.db, schema)
    this.resolver.invalidate()
  }

  /** Renames a tenant (schema, role, registry, ledgers, default domain); see lifecycle/rename-tenant.ts. */
  async renameTenant(schema: string, to: string): Promise<Tenant> {
    await renameTenant(this.db, this.baseDomain, schema, to)
    this.resolver.invalidate()
    return getTenant(this.db, to)
  }

  /** Exchanges two tenants' schemas in one transaction; see lifecycle/rename-tenant.ts. */
  async swapTenants(schema: string, other: string): Promise<void> {
    await swapTenants(this.db, schema, other)
    this.resolver.invalidate()
  }

  async setStatus(schema: string, status: TenantStatus): Promise<void> {
    await setTenantStatus(this.db, schema, status)
    this.resolver.invalidate()
  }

  async setDomains(schema: string, domains: readonly string[]): Promise<void> {
    await setTenantDomains(this.db, schema, domains)
    this.resolver.invalidate()
  }

  listTenants(): Promise<TenantSummary[]> {
    return listTenants(this.db, this.registryOptions)
  }

  getTenant(schema: string): Promise<Tenant> {
    return getTenant(this.db, schema)
  }

  tenantsBehind(): Promise<{ schema: string; pending: string[] }[]> {
    return tenantsBehind(this.db, this.registryOptions)
  }

  withTenant<T>(schema: string, fn: (scope: TenantScope) => Promise<T>, options?: ScopeOptions): Promise<T> {
    return withTenant(this.db, schema, fn, options)
  }

  /** How the tenant API routes requests: the project's routing options with the base domain. */
  get routing(): RouteRules {
    return this.resolver.routing
  }

  resolve(request: ResolveRequest): Promise<Resolution> {
    return this.resolver.resolve(request)
  }

  /** Whether the tenant API answers this Host at all: registered domains, `*.<base domain>`, loopback names. */
  servesApiHost(host: string | undefined): Promise<boolean> {
    return this.resolver.servesHost(host)
  }

  /**
   * Where SQL text the app did not write runs (the SQL console): sessions
   * logged in as each tenant, as many at once as the app's own pool has
   * connections. Opened on first use, closed with the core.
   */
  get tenantSessions(): TenantSessions {
    this.sessionPool ??= new TenantSessions(this.db, { maxConnections: this.db.poolMax })
    return this.sessionPool
  }

  async close(): Promise<void> {
    await this.sessionPool?.close()
    await this.keeper?.close()
    await this.resolver.close()
    await this.db.close()
  }
}
