import { randomUUID } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { Database } from '../db/database.ts'
import { dropTenantObjectsSql, lockSchemasSql } from '../db/tenant-sql.ts'
import { InvalidInputError, SchemataError, TenantNotFoundError } from '../errors.ts'
import { pendingSharedMigrations } from '../migrations/migrate-schemas.ts'
import { Tenancy } from '../tenancy/service.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { exportTenant } from './export-tenant.ts'
import { importTenant } from './import-tenant.ts'
import type { LifecycleProgress } from './progress.ts'
import type { MoveSummary } from '../../../contract/types.ts'

export interface MoveOptions {
  schema: string
  /** The target database: another Schemata-managed database (postgres://…). */
  to: string
  /** Drop the source schema and role once the target is verified (the registry row stays, `moved`). */
  dropSource?: boolean
  onProgress?: (progress: LifecycleProgress) => void
}

/** `to` without a password: what the registry and messages may show. */
export function redactUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

function parseTarget(to: string): URL {
  let parsed: URL
  try {
    parsed = new URL(to)
  } catch {
    throw new InvalidInputError('to', 'must be a postgres:// URL of the target database')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new InvalidInputError('to', 'must be a postgres:// URL of the target database')
  if (parsed.pathname.replace(/^\//, '') === '') throw new InvalidInputError('to', 'must name a database (postgres://host/dbname)')
  return parsed
}

/**
 * Whether two connections reach the same database of the same server. Built
 * only from what any login may read (data_directory and pg_control_system()
 * need a superuser or pg_read_all_settings, which the app's login lacks): the
 * postmaster's start time to the microsecond tells servers apart, the database
 * oid and name tell databases apart.
 */
async function identity(db: Database): Promise<string> {
  const [row] = await db.rows<{ id: string }>(
    `SELECT concat_ws(':', (SELECT oid FROM pg_database WHERE datname = current_database()),
                      to_char(pg_postmaster_start_time(), 'YYYY-MM-DD"T"HH24:MI:SS.US TZ'), current_database()) AS id`,
  )
  return row?.id ?? ''
}

/**
 * Opens the target and checks it is a Schemata database of the same project:
 * reachable, with the registry, and with exactly the shared migrations of
 * this build applied.
 */
async function openTarget(tenancy: Tenancy, url: string): Promise<Tenancy> {
  const db = new Database({ url, mode: 'external', poolMax: 3 })
  const target = new Tenancy(db, { project: tenancy.project, migrations: tenancy.migrations, baseDomain: tenancy.baseDomain })
  try {
    try {
      await db.rows('SELECT 1')
    } catch (error) {
      throw new InvalidInputError('to', `cannot reach ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`)
    }
    const [present] = await db.rows<{ registry: boolean; ledger: boolean }>(
      "SELECT to_regclass('public.tenants') IS NOT NULL AS registry, to_regclass('public.schemata_migrations') IS NOT NULL AS ledger",
    )
    if (!present?.registry || !present.ledger) {
      throw new InvalidInputError('to', `${redactUrl(url)} is not a Schemata database (no tenant registry); run "schemata migrate" against it first`)
    }
    const pending = await pendingSharedMigrations(db, tenancy.migrations)
    if (pending.length > 0) throw new InvalidInputError('to', `${redactUrl(url)} lacks shared migration(s) ${pending.join(', ')}; run "schemata migrate --shared" against it first`)
    const known = new Set(tenancy.migrations.shared.map((m) => m.name))
    const theirs = await db.rows<{ name: string }>('SELECT name FROM public.schemata_migrations')
    const unknown = theirs.map((r) => r.name).filter((name) => !known.has(name))
    if (unknown.length > 0) throw new InvalidInputError('to', `${redactUrl(url)} has shared migration(s) this project lacks: ${unknown.join(', ')}`)
    if ((await identity(db)) === (await identity(tenancy.db))) throw new InvalidInputError('to', 'is this same database; a move needs another one')
    return target
  } catch (error) {
    await target.close().catch(() => undefined)
    throw error
  }
}

/**
 * Moves a tenant to another Schemata database, in three steps that a rerun
 * picks up wherever a crash left them:
 *
 * 1. The source is marked `moving` under its exclusive lock (running scopes
 *    finish, new ones are refused), so nothing is written after the copy.
 * 2. Its export streams straight into an import on the target — one
 *    transaction there, which checks every count and checksum before it
 *    commits and records this move's id on the new tenant.
 * 3. The source is marked `moved` (and with `dropSource` its schema and role
 *    dropped), in one transaction.
 *
 * A failure before the target commits resumes the source as it was. A crash
 * after it leaves the source `moving`: the rerun finds the tenant on the
 * target carrying this move's id and only finishes step 3.
 */
export async function moveTenant(tenancy: Tenancy, options: MoveOptions): Promise<MoveSummary> {
  assertSchemaName(options.schema, 'schema')
  const { schema } = options
  const url = parseTarget(options.to).toString()
  const movedTo = redactUrl(url)
  const target = await openTarget(tenancy, url)
  try {
    const moveId = randomUUID()
    const [source] = await tenancy.db.transaction((tx) => {
      tx.exec(lockSchemasSql([schema]))
      return tx.rows<{ status: string; move_id: string | null }>(
        `WITH old AS (SELECT id, status, move_id FROM public.tenants WHERE schema = $1 FOR UPDATE),
              m AS (UPDATE public.tenants t SET status = 'moving', moved_to = $2, move_id = coalesce(old.move_id, $3::uuid), updated_at = now()
                      FROM old WHERE t.id = old.id AND old.status IN ('active', 'suspended', 'moving'))
         SELECT status, coalesce(move_id, $3::uuid)::text AS move_id FROM old`,
        [schema, movedTo, moveId],
      )
    })
    if (!source || source.status === 'pooled') throw new TenantNotFoundError(schema)
    if (!['active', 'suspended', 'moving'].includes(source.status)) {
      throw new InvalidInputError('schema', `tenant "${schema}" is ${source.status}; only active or suspended tenants can be moved`)
    }
    tenancy.resolver.invalidate()
    const id = source.move_id as string
    const previous = source.status === 'moving' ? 'active' : source.status

    const [there] = await target.db.rows<{ origin: string | null }>('SELECT origin_move_id::text AS origin FROM public.tenants WHERE schema = $1', [schema])
    let rows = 0
    let bytes = 0
    const resumed = there !== undefined && there.origin === id
    if (there !== undefined && !resumed) {
      if (source.status !== 'moving') await tenancy.setStatus(schema, previous as 'active' | 'suspended')
      throw new InvalidInputError('to', `the target already has a tenant "${schema}"`)
    }
    if (!resumed) {
      try {
        const pipe = new PassThrough({ highWaterMark: 1024 * 1024 })
        const exported = exportTenant(tenancy.db, pipe, {
          schema,
          migrations: tenancy.migrations,
          allowStatuses: ['moving'],
          ...(options.onProgress ? { onProgress: (p) => options.onProgress?.({ ...p, phase: 'move' }) } : {}),
        }).then(
          (result) => {
            pipe.end()
            return result
          },
          (error: unknown) => {
            pipe.destroy(error instanceof Error ? error : new Error(String(error)))
            throw error
          },
        )
        const imported = importTenant(target, pipe, { originMoveId: id })
        // Whichever side fails first stops the other: a dead import leaves the export writing into a full pipe.
        void imported.catch((error: unknown) => pipe.destroy(error instanceof Error ? error : new Error(String(error))))
        const [, result] = await Promise.all([exported, imported])
        rows = result.rows
        bytes = result.bytes
      } catch (error) {
        // The target did not commit (an import commits only once everything checked out): the source stays.
        await tenancy.setStatus(schema, previous as 'active' | 'suspended').catch(() => undefined)
        throw error
      }
    }
    await tenancy.db.transaction(async (tx) => {
      tx.exec(lockSchemasSql([schema]))
      const [row] = await tx.rows<{ role: string }>(
        `UPDATE public.tenants SET status = 'moved', moved_at = now(), updated_at = now()
          WHERE schema = $1 AND status = 'moving' AND move_id = $2::uuid RETURNING role`,
        [schema, id],
      )
      if (!row) throw new SchemataError('CONFLICT', `tenant "${schema}" changed while it was being moved; the copy on ${movedTo} is complete`)
      if (options.dropSource) {
        tx.exec('DELETE FROM public.tenant_migrations WHERE schema = $1', [schema])
        tx.exec(dropTenantObjectsSql(schema, row.role))
      }
    })
    tenancy.resolver.invalidate()
    return { schema, movedTo, rows, bytes, droppedSource: options.dropSource === true, resumed }
  } finally {
    await target.close()
  }
}

/** Drops the kept schema and role of a tenant already `moved` (the registry row stays as a pointer). */
export async function dropMovedSource(tenancy: Tenancy, schema: string): Promise<void> {
  assertSchemaName(schema, 'schema')
  await tenancy.db.transaction(async (tx) => {
    tx.exec(lockSchemasSql([schema]))
    const [row] = await tx.rows<{ role: string; status: string; present: boolean }>(
      `SELECT role, status, EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present FROM public.tenants WHERE schema = $1 FOR UPDATE`,
      [schema],
    )
    if (!row) throw new TenantNotFoundError(schema)
    if (row.status !== 'moved') throw new InvalidInputError('schema', `tenant "${schema}" is ${row.status}, not moved`)
    if (!row.present) return
    tx.exec('DELETE FROM public.tenant_migrations WHERE schema = $1', [schema])
    tx.exec(dropTenantObjectsSql(schema, row.role))
  })
}
