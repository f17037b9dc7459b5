import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TenantWithRows } from '../../../contract/types.ts'
import { InvalidInputError } from '../errors.ts'
import { exportTenant } from '../lifecycle/export-tenant.ts'
import { importTenant } from '../lifecycle/import-tenant.ts'
import type { LifecycleProgress } from '../lifecycle/progress.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import type { EventHub } from './event-hub.ts'
import { HttpError, NotFoundError, errorReply, writeJson } from './http-errors.ts'
import { parseWindowId } from './window-sessions.ts'

/*
 * The browser console's file transfers, on the console host behind its token:
 *
 *   GET  /transfer/export/<schema>?window=<id>   the export file, as a download
 *   POST /transfer/import?window=<id>&schema=…&name=…&domain=…&asSibling=1
 *        body: the export file (any content type), streamed into the import
 *
 * Both stream: a tenant larger than memory goes through. Progress goes to
 * the tab named by `window` as `tenants/progress` events, as with the
 * contract's calls; the import answers like an RPC call ({ ok, result }).
 */

function tenantsChanged(hub: EventHub, reason: string): void {
  hub.broadcast('tenants/changed', { reason })
}

function progressTo(hub: EventHub, windowId: string | undefined, operation: 'export' | 'import', schema: string) {
  if (windowId === undefined) return undefined
  const emit = hub.emitTo(windowId)
  return (progress: LifecycleProgress) => emit('tenants/progress', { operation, schema, progress })
}

function windowOf(url: URL): string | undefined {
  const value = url.searchParams.get('window')
  return value === null ? undefined : parseWindowId(value, 'window')
}

/** Serves a `/transfer/*` request; the caller has checked the host, origin and console token. */
export async function handleTransfer(req: IncomingMessage, res: ServerResponse, url: URL, tenancy: Tenancy, hub: EventHub): Promise<void> {
  const route = url.pathname.slice('/transfer/'.length)
  if (route.startsWith('export/')) {
    if (req.method !== 'GET') throw new HttpError(405, 'INVALID_INPUT', 'method: downloads are GET', { field: 'method', headers: { allow: 'GET' } })
    const schema = decodeURIComponent(route.slice('export/'.length))
    assertSchemaName(schema, 'schema')
    const tenant = await tenancy.getTenant(schema)
    if (tenant.status !== 'active' && tenant.status !== 'suspended') throw new InvalidInputError('schema', `tenant "${schema}" is ${tenant.status}; it cannot be exported`)
    const onProgress = progressTo(hub, windowOf(url), 'export', schema)
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${schema}.tenant"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    try {
      await exportTenant(tenancy.db, res, { schema, migrations: tenancy.migrations, ...(onProgress ? { onProgress } : {}) })
      res.end()
    } catch (error) {
      // The headers are out: cut the download short. The file then has no closing line, and an import refuses it.
      res.destroy(error instanceof Error ? error : undefined)
    }
    return
  }
  if (route === 'import') {
    if (req.method !== 'POST') throw new HttpError(405, 'INVALID_INPUT', 'method: uploads are POST', { field: 'method', headers: { allow: 'POST' } })
    const q = url.searchParams
    const schema = q.get('schema') || undefined
    const name = q.get('name') || undefined
    const domains = q.getAll('domain').filter((d) => d !== '')
    try {
      const onProgress = progressTo(hub, windowOf(url), 'import', schema ?? '')
      const result = await importTenant(tenancy, req, {
        ...(schema ? { schema } : {}),
        ...(name ? { name } : {}),
        ...(domains.length > 0 ? { domains } : {}),
        ...(q.get('asSibling') === '1' ? { asSibling: true } : {}),
        ...(onProgress ? { onProgress } : {}),
      })
      tenantsChanged(hub, 'imported')
      const body: TenantWithRows = {
        name: result.tenant.name,
        schema: result.tenant.schema,
        type: result.tenant.type,
        status: result.tenant.status,
        domains: result.tenant.domains,
        createdAt: result.tenant.createdAt,
        rows: result.rows,
      }
      writeJson(res, { status: 200, body: { ok: true, result: body } })
    } catch (error) {
      // Whatever of the upload is still unread is not wanted: stop reading and say why.
      req.resume()
      const reply = errorReply(error)
      writeJson(res, { ...reply, body: { ok: false, ...(reply.body as object) }, headers: { ...reply.headers, connection: 'close' } })
    }
    return
  }
  throw new NotFoundError(`no transfer route ${url.pathname}`)
}
