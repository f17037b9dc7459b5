import type { Writable } from 'node:stream'
import type { ExportFormat, RowPage, TableList, WrittenRow } from '../../../contract/data-browser.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { type ExportStats, type ExportView, checkExport, exportFileName, streamExport } from './export-rows.ts'
import { exportEncoder } from './export-format.ts'
import { type PageRequest, readPage } from './read-rows.ts'
import { EXACT_COUNT_LIMIT_BYTES, listTables } from './table-list.ts'
import { type TableRef, describeTable, gridColumns } from './table-meta.ts'
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
export class DataBrowser {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly sharedReadable: () => readonly string[] = () => [],
  ) {}

  /** The tenant's tables and the shared readable ones, with exact or estimated counts. */
  async tables(tenant: string, editsAllowed: boolean): Promise<TableList> {
    const tables = await this.tenancy.withTenant(tenant, (scope) => listTables(scope, this.sharedReadable()), { readOnly: true })
    return { tenant, editsAllowed, exactCountLimitBytes: EXACT_COUNT_LIMIT_BYTES, tables }
  }

  /** One keyset page of a table's view. */
  rows(ref: TableRef, request: PageRequest): Promise<RowPage> {
    return this.tenancy.withTenant(
      ref.tenant,
      async (scope) => readPage(scope, await describeTable(scope, ref, this.sharedReadable()), ref.tenant, request),
      { readOnly: true },
    )
  }

  insert(ref: TableRef, values: CellValues): Promise<WrittenRow> {
    return this.tenancy.withTenant(ref.tenant, async (scope) => insertRow(scope, await describeTable(scope, ref, this.sharedReadable()), values))
  }

  update(ref: TableRef, key: Record<string, string>, version: string, values: CellValues): Promise<WrittenRow> {
    return this.tenancy.withTenant(ref.tenant, async (scope) =>
      updateRow(scope, await describeTable(scope, ref, this.sharedReadable()), key, version, values),
    )
  }

  delete(ref: TableRef, key: Record<string, string>, version: string): Promise<{ deleted: number }> {
    return this.tenancy.withTenant(ref.tenant, async (scope) => deleteRow(scope, await describeTable(scope, ref, this.sharedReadable()), key, version))
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
