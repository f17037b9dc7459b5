import type pg from 'pg'
import type { Database } from '../db/database.ts'
import type { TenantStatus } from '../tenancy/tenant-registry.ts'
import { DEFAULT_RULES, type RegistrySnapshot, type Resolution, type ResolveRequest, type RouteRules, isTenantApiHost, resolveTenant } from './resolve-tenant.ts'

/** Reads the routing snapshot in one query. */
export async function loadRegistrySnapshot(db: Database): Promise<RegistrySnapshot> {
  const rows = await db.rows<{ schema: string; status: TenantStatus; domains: string[] }>(
    `SELECT t.schema, t.status,
            coalesce((SELECT array_agg(d.domain) FROM public.domains d WHERE d.tenant_id = t.id), '{}') AS domains
       FROM public.tenants t WHERE t.status <> 'pooled'`,
  )
  const domains = new Map<string, string>()
  const tenants = new Map<string, TenantStatus>()
  for (const row of rows) {
    tenants.set(row.schema, row.status)
    for (const domain of row.domains) domains.set(domain, row.schema)
  }
  return { domains, tenants }
}

/**
 * Resolves hosts and headers against a cached registry snapshot. The cache is
 * dropped on `invalidate()` and, once `listen()` ran, on every registry change
 * any process makes (the registry's triggers NOTIFY `schemata_registry`).
 */
export class TenantResolver {
  private snapshot: Promise<RegistrySnapshot> | undefined
  private loadedAt = 0
  private generation = 0
  private listener: pg.Client | undefined

  constructor(
    private readonly db: Database,
    private readonly rules: RouteRules = DEFAULT_RULES,
    /**
     * Upper bound on a snapshot's age even while listening: a notification lost
     * with a dropped connection (or a pooler that does not forward them) can
     * keep a change unseen for at most this long.
     */
    private readonly maxAgeMs = 5_000,
  ) {}

  /** Resolves one request; at most one registry query per cache generation. */
  async resolve(request: ResolveRequest): Promise<Resolution> {
    return resolveTenant(await this.current(), request, this.rules)
  }

  /** Whether the tenant API answers this Host header at all (see `isTenantApiHost`). */
  async servesHost(host: string | undefined): Promise<boolean> {
    return isTenantApiHost(await this.current(), host, this.rules)
  }

  /** The routing rules this resolver applies (the server reads the header name and the path-prefix switch here). */
  get routing(): RouteRules {
    return this.rules
  }

  /** Drops the cached snapshot. */
  invalidate(): void {
    this.generation++
    this.snapshot = undefined
  }

  /** Subscribes to registry change notifications; call `close()` to stop. */
  async listen(): Promise<void> {
    if (this.listener) return
    const client = await this.db.openClient({ direct: true })
    client.on('notification', () => this.invalidate())
    // A lost listener connection must not leave a stale cache: fall back to no caching.
    client.on('error', () => {
      this.listener = undefined
      this.invalidate()
    })
    await client.query('LISTEN schemata_registry')
    this.listener = client
    this.invalidate()
  }

  async close(): Promise<void> {
    const client = this.listener
    this.listener = undefined
    // Ending a connection whose server is gone rejects; it is closed either way.
    if (client) await client.end().catch(() => undefined)
  }

  private current(): Promise<RegistrySnapshot> {
    if (!this.listener) {
      // Without notifications another process's change could go unseen: read fresh each time.
      return loadRegistrySnapshot(this.db)
    }
    if (!this.snapshot || performance.now() - this.loadedAt > this.maxAgeMs) {
      const generation = this.generation
      this.loadedAt = performance.now()
      const loading = loadRegistrySnapshot(this.db)
      this.snapshot = loading
      loading.catch(() => {
        if (this.generation === generation) this.snapshot = undefined
      })
    }
    return this.snapshot
  }
}
