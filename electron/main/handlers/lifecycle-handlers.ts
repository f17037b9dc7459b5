import { isAbsolute } from 'node:path'
import type { TenantProgressEvent } from '../../../contract/types.ts'
import { InvalidInputError } from '../errors.ts'
import { archiveDirectory } from '../lifecycle/archive-dir.ts'
import { archiveTenant, unarchiveTenant } from '../lifecycle/archive-tenant.ts'
import { cloneTenant } from '../lifecycle/clone-tenant.ts'
import { exportTenantToFile } from '../lifecycle/export-tenant.ts'
import { importTenantFromFile } from '../lifecycle/import-tenant.ts'
import { moveTenant } from '../lifecycle/move-tenant.ts'
import type { LifecycleProgress } from '../lifecycle/progress.ts'
import type { CallContext } from './dispatch-types.ts'
import type { HandlerTable } from './handler-types.ts'
import { toTenantInfo } from './tenant-handlers.ts'

type LifecycleCalls =
  | 'tenants/clone'
  | 'tenants/rename'
  | 'tenants/export'
  | 'tenants/import'
  | 'tenants/swap'
  | 'tenants/archive'
  | 'tenants/unarchive'
  | 'tenants/move'
  | 'tenants/pool'

/** Progress of a long operation, to the window that started it. */
export function progressTo(context: CallContext, operation: TenantProgressEvent['operation'], schema: string): (progress: LifecycleProgress) => void {
  return (progress) => context.emit('tenants/progress', { operation, schema, progress })
}

/** Files named over the contract are chosen by a native dialog: an absolute path, nothing relative to main's cwd. */
function absolutePath(path: string, field: string): string {
  if (!isAbsolute(path)) throw new InvalidInputError(field, 'must be an absolute path (chosen with the file dialog)')
  return path
}

/** Clone, rename, export/import, swap, archive/unarchive, move and the warm pool's state. */
export const lifecycleHandlers: Pick<HandlerTable, LifecycleCalls> = {
  async 'tenants/clone'(input, context, { tenancy }) {
    const tenant = await cloneTenant(tenancy, {
      from: input.from,
      schema: input.schema,
      ...(input.name ? { name: input.name } : {}),
      ...(input.domains && input.domains.length > 0 ? { domains: input.domains } : {}),
      data: input.data === true,
      onProgress: progressTo(context, 'clone', input.schema),
    })
    context.broadcast('tenants/changed', { reason: 'cloned' })
    return { ...toTenantInfo(tenant), rows: tenant.rows }
  },

  async 'tenants/rename'(input, context, { tenancy, sessions }) {
    const tenant = await tenancy.renameTenant(input.schema, input.to)
    sessions.renameTenant(input.schema, tenant.schema)
    context.broadcast('tenants/changed', { reason: 'renamed' })
    return toTenantInfo(tenant)
  },

  async 'tenants/export'(input, context, { tenancy }) {
    const path = absolutePath(input.path, 'path')
    const result = await exportTenantToFile(tenancy.db, path, { schema: input.schema, migrations: tenancy.migrations, onProgress: progressTo(context, 'export', input.schema) })
    return {
      schema: input.schema,
      path,
      bytes: result.bytes,
      rows: result.rows,
      sha256: result.sha256,
      tables: result.manifest.tables.map((t) => ({ name: t.name, rows: t.rows })),
    }
  },

  async 'tenants/import'(input, context, { tenancy }) {
    const path = absolutePath(input.path, 'path')
    const result = await importTenantFromFile(tenancy, path, {
      ...(input.schema ? { schema: input.schema } : {}),
      ...(input.name ? { name: input.name } : {}),
      ...(input.domains && input.domains.length > 0 ? { domains: input.domains } : {}),
      ...(input.asSibling ? { asSibling: true } : {}),
      onProgress: progressTo(context, 'import', input.schema ?? ''),
    })
    context.broadcast('tenants/changed', { reason: 'imported' })
    return { ...toTenantInfo(result.tenant), rows: result.rows }
  },

  async 'tenants/swap'(input, context, { tenancy }) {
    await tenancy.swapTenants(input.schema, input.with)
    context.broadcast('tenants/changed', { reason: 'swapped' })
    return { schema: input.schema, with: input.with }
  },

  async 'tenants/archive'(input, context, { tenancy, target, sessions }) {
    const result = await archiveTenant(tenancy, { schema: input.schema, dir: archiveDirectory(target), onProgress: progressTo(context, 'archive', input.schema) })
    sessions.clearTenant(input.schema)
    context.broadcast('tenants/changed', { reason: 'archived' })
    return result
  },

  async 'tenants/unarchive'(input, context, { tenancy }) {
    const tenant = await unarchiveTenant(tenancy, { schema: input.schema, onProgress: progressTo(context, 'unarchive', input.schema) })
    context.broadcast('tenants/changed', { reason: 'unarchived' })
    return toTenantInfo(tenant)
  },

  async 'tenants/move'(input, context, { tenancy, sessions }) {
    const result = await moveTenant(tenancy, {
      schema: input.schema,
      to: input.to,
      dropSource: input.dropSource === true,
      onProgress: progressTo(context, 'move', input.schema),
    })
    sessions.clearTenant(input.schema)
    context.broadcast('tenants/changed', { reason: 'moved' })
    return result
  },

  async 'tenants/pool'(_input, _context, { tenancy }) {
    return tenancy.poolStatus()
  },
}
