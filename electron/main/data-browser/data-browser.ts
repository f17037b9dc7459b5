import type { Writable } from 'node:stream'
import type { ExportFormat, RowPage, TableList, WrittenRow } from '../../../contract/data-browser.ts'
import { pgErrorOf } from '../db/pg-error.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { StaleTableMetaError, TableMetaCache } from './meta-cache.ts'
import { type ExportStats, type ExportView, checkExport, exportFileName, streamExport } from './export-rows.ts'
import { exportEncoder } from './export-format.ts'
import { type PageRequest, readPage } from './read-rows.ts'
import { EXACT_COUNT_LIMIT_BYTES, listTables } from './table-list.ts'
import { type TableMeta, type TableRef, describeTable, gridColumns } from './table-meta.ts'
import { type CellValues, deleteRow, insertRow, updateRow } from './write-rows.ts'

/** An export checked and ready to stream: where it goes is the transport's business. */
export interface ExportJob {
  fileName: string
  contentType: string
  /** Streams the whole view into `sink`; resolves with what was written. */
  writeTo(sink: Writable): Promise<ExportStats>
}

/**
 * The data browser over any tenant table: everything runs inside the tenant's
 * scope (as its role, search_path its schema), reads in read-only
 * transactions. Shared readable tables come from the project's list, asked
 * for on every call so a reloaded project config applies at once.
 */
/** A read with a cached description failed because the table is not what was described: describe again. */
function isCatalogChange(error: unknown): boolean {
  if (error instanceof StaleTableMetaError) return true
  const code = pgErrorOf(error)?.code
  return code === '42703' || code === '42P01'
}

export class DataBrowser {
  private readonly metas = new TableMetaCache()

  constructor(
    private readonly tenancy: Tenancy,
    private readonly sharedReadable: () => readonly string[] = () => tenancy.project.sharedReadable,
  ) {}

  /** Describes a table afresh inside a scope and remembers the description for later reads. */
  private async describe(scope: Parameters<typeof describeTable>[0], ref: TableRef): Promise<TableMeta> {
    const meta = await describeTable(scope, ref, this.sharedReadable())
    this.metas.set(TableMetaCache.keyOf(ref.tenant, ref.table, Boolean(ref.shared)), meta)
    return meta
  }

  /** The tenant's tables and the shared readable ones, with exact or estimated counts. */
  async tables(tenant: string, editsAllowed: boolean, counts: 'estimate' | 'exact' = 'exact'): Promise<TableList> {
    const tables = await this.tenancy.withTenant(tenant, (scope) => listTables(scope, this.sharedReadable(), counts), { readOnly: true })
    return { tenant, editsAllowed, exactCountLimitBytes: EXACT_COUNT_LIMIT_BYTES, tables }
  }

  /**
   * One keyset page of a table's view. With the table's description cached,
   * the scope and the page's statement leave together: one round trip. A
   * description the result contradicts is dropped and the page read again.
   */
  async rows(ref: TableRef, request: PageRequest): Promise<Omit<RowPage, 'editsAllowed'>> {
    const key = TableMetaCache.keyOf(ref.tenant, ref.table, Boolean(ref.shared))
    const cached = ref.shared && !this.sharedReadable().includes(ref.table) ? undefined : this.metas.get(key)
    if (cached) {
      try {
        return await this.tenancy.withTenant(ref.tenant, (scope) => readPage(scope, cached, ref.tenant, request), { readOnly: true })
      } catch (error) {
        if (!isCatalogChange(error)) throw error
        this.metas.delete(key)
      }
    }
    return this.tenancy.withTenant(ref.tenant, async (scope) => readPage(scope, await this.describe(scope, ref), ref.tenant, request), {
      readOnly: true,
    })
  }

  // Writes always describe the table afresh: whether it may be written and by which key is decided now.
  insert(ref: TableRef, values: CellValues): Promise<WrittenRow> {
    return this.tenancy.withTenant(ref.tenant, async (scope) => insertRow(scope, await this.describe(scope, ref), values))
  }

  update(ref: TableRef, key: Record<string, string>, version: string, values: CellValues): Promise<WrittenRow> {
    return this.tenancy.withTenant(ref.tenant, async (scope) => updateRow(scope, await this.describe(scope, ref), key, version, values))
  }

  delete(ref: TableRef, key: Record<string, string>, version: string): Promise<{ deleted: number }> {
    return this.tenancy.withTenant(ref.tenant, async (scope) => deleteRow(scope, await this.describe(scope, ref), key, version))
  }

  /**
   * Checks an export of a view (table, columns, filter values) and returns the
   * job that streams it. Each `writeTo` opens its own read-only scope, so the
   * file is one consistent snapshot.
   */
  async prepareExport(ref: TableRef, view: ExportView, format: ExportFormat): Promise<ExportJob> {
    const meta = await this.tenancy.withTenant(
      ref.tenant,
      async (scope) => {
        const described = await describeTable(scope, ref, this.sharedReadable())
        await checkExport(scope, described, view)
        return described
      },
      { readOnly: true },
    )
    const encoder = exportEncoder(format, gridColumns(meta))
    return {
      fileName: exportFileName(ref.tenant, ref.table, format),
      contentType: encoder.contentType,
      writeTo: (sink) =>
        this.tenancy.withTenant(
          ref.tenant,
          async (scope) => streamExport(scope, await describeTable(scope, ref, this.sharedReadable()), view, format, sink),
          { readOnly: true },
        ),
    }
  }
}
