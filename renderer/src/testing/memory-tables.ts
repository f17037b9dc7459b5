import { ContractError } from '../../../contract/contract.ts'
import type { FilterSpec, RowCursor, RowPage, SortSpec, TableList, WrittenRow } from '../../../contract/data-browser.ts'
import type { GridCell, GridColumn } from '../../../contract/data-grid.ts'
import type { CustomerDto, OrderDto } from '../../../contract/types.ts'

/*
 * The data browser's calls for the in-memory client: a tenant's customers and
 * orders seen as the two tables they are in PostgreSQL, with keyset pages by
 * id, the simple filters, versions for optimistic edits and the per-tenant
 * "allow edits". Enough for component tests of the views; the real rules are
 * tested against PostgreSQL in tests/integration/data-browser.test.ts.
 */

export interface MemoryTenantData {
  customers: CustomerDto[]
  orders: OrderDto[]
}

interface TableDef<T> {
  columns: GridColumn[]
  cells: (row: T) => GridCell[]
  rows: (tenant: MemoryTenantData) => T[]
  assign: (row: T, column: string, value: GridCell) => void
  create: (tenant: MemoryTenantData, values: Record<string, GridCell>, id: number, createdAt: string) => T
  remove: (tenant: MemoryTenantData, row: T) => void
}

const ID: GridColumn = { name: 'id', type: 'bigint', kind: 'number', nullable: false, primaryKey: true, hasDefault: true }
const CREATED: GridColumn = { name: 'created_at', type: 'timestamp with time zone', kind: 'datetime', nullable: false, hasDefault: true }

function required(values: Record<string, GridCell>, column: string): string {
  const value = values[column]
  if (value === null || value === undefined) {
    throw new ContractError({ code: 'INVALID_INPUT', message: `values.${column}: must not be NULL`, field: `values.${column}` })
  }
  return value
}

const customers: TableDef<CustomerDto> = {
  columns: [ID, { name: 'name', type: 'text', kind: 'text', nullable: false }, { name: 'email', type: 'text', kind: 'text', nullable: false }, CREATED],
  cells: (c) => [String(c.id), c.name, c.email, c.createdAt],
  rows: (t) => t.customers,
  assign: (c, column, value) => {
    if (column === 'name') c.name = required({ name: value }, 'name')
    else if (column === 'email') c.email = required({ email: value }, 'email')
  },
  create: (t, values, id, createdAt) => {
    const customer: CustomerDto = { id, name: required(values, 'name'), email: required(values, 'email'), createdAt }
    t.customers.push(customer)
    return customer
  },
  remove: (t, c) => {
    t.customers = t.customers.filter((x) => x !== c)
    t.orders = t.orders.filter((o) => o.customerId !== c.id)
  },
}

const orders: TableDef<OrderDto> = {
  columns: [
    ID,
    { name: 'customer_id', type: 'bigint', kind: 'number', nullable: false },
    { name: 'amount_cents', type: 'integer', kind: 'number', nullable: false },
    { name: 'status', type: 'text', kind: 'text', nullable: false, hasDefault: true },
    CREATED,
  ],
  cells: (o) => [String(o.id), String(o.customerId), String(o.amountCents), o.status, o.createdAt],
  rows: (t) => t.orders,
  assign: (o, column, value) => {
    if (column === 'amount_cents') o.amountCents = Number(required({ amount_cents: value }, 'amount_cents'))
    else if (column === 'status') o.status = required({ status: value }, 'status') as OrderDto['status']
  },
  create: (t, values, id, createdAt) => {
    const customerId = Number(required(values, 'customer_id'))
    const customer = t.customers.find((c) => c.id === customerId)
    if (!customer) throw new ContractError({ code: 'INVALID_INPUT', message: 'values.customer_id: no such customer', field: 'values.customer_id' })
    const order: OrderDto = {
      id,
      customerId,
      customerName: customer.name,
      amountCents: Number(required(values, 'amount_cents')),
      status: (values.status ?? 'pending') as OrderDto['status'],
      createdAt,
    }
    t.orders.push(order)
    return order
  },
  remove: (t, o) => {
    t.orders = t.orders.filter((x) => x !== o)
  },
}

const TABLES: Record<string, TableDef<object>> = { customers: customers as unknown as TableDef<object>, orders: orders as unknown as TableDef<object> }

function compare(column: GridColumn, a: GridCell, b: GridCell): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return column.kind === 'number' ? Number(a) - Number(b) : a < b ? -1 : 1
}

function matches(column: GridColumn, value: GridCell, filter: FilterSpec): boolean {
  const wanted = filter.value
  const text = (value ?? '').toLowerCase()
  const needle = typeof wanted === 'string' ? wanted.toLowerCase() : ''
  switch (filter.op) {
    case 'is_null':
      return value === null
    case 'not_null':
      return value !== null
    case 'eq':
      return value === wanted
    case 'ne':
      return value !== wanted
    case 'contains':
      return value !== null && text.includes(needle)
    case 'not_contains':
      return value === null || !text.includes(needle)
    case 'starts_with':
      return value !== null && text.startsWith(needle)
    case 'ends_with':
      return value !== null && text.endsWith(needle)
    case 'in':
      return Array.isArray(wanted) && value !== null && wanted.includes(value)
    default: {
      const order = compare(column, value, typeof wanted === 'string' ? wanted : null)
      return value !== null && { lt: order < 0, le: order <= 0, gt: order > 0, ge: order >= 0 }[filter.op]
    }
  }
}

/** The data browser over a memory tenant's customers and orders (see the file comment). */
export class MemoryTables {
  private readonly editable = new Set<string>()
  private readonly versions = new WeakMap<object, number>()
  private nextVersion = 1

  private versionOf(row: object): string {
    let version = this.versions.get(row)
    if (version === undefined) {
      version = this.nextVersion++
      this.versions.set(row, version)
    }
    return String(version)
  }

  private bump(row: object): string {
    const version = this.nextVersion++
    this.versions.set(row, version)
    return String(version)
  }

  private table(name: unknown): TableDef<object> {
    const table = typeof name === 'string' ? TABLES[name] : undefined
    if (!table) throw new ContractError({ code: 'NOT_FOUND', message: `table: no table "${String(name)}"`, field: 'table' })
    return table
  }

  private assertEditable(tenant: string): void {
    if (!this.editable.has(tenant)) {
      throw new ContractError({ code: 'FORBIDDEN', message: `editing is off for tenant "${tenant}": turn on “Allow edits” for it first`, field: 'tenant' })
    }
  }

  private find(table: TableDef<object>, data: MemoryTenantData, key: unknown): object {
    const id = (key as Record<string, string> | undefined)?.id
    const row = table.rows(data).find((r) => table.cells(r)[0] === id)
    if (!row) throw new ContractError({ code: 'CONFLICT', message: 'the row no longer exists (another session deleted it since you read it)', field: 'version' })
    return row
  }

  /** The row `key` names, if it is still at the version the caller read (else CONFLICT, as main answers). */
  private unchangedRow(table: TableDef<object>, data: MemoryTenantData, key: unknown, version: unknown, verb: 'updated' | 'deleted'): object {
    const row = this.find(table, data, key)
    if (this.versionOf(row) !== version) {
      throw new ContractError({ code: 'CONFLICT', message: `the row was changed by another session since you read it; nothing was ${verb}`, field: 'version' })
    }
    return row
  }

  private written(table: TableDef<object>, row: object, version: string): WrittenRow {
    return { columns: table.columns, row: table.cells(row), version }
  }

  /** Answers a `data/*` call of the browser for one tenant, or returns undefined for any other call. */
  answer(name: string, input: Record<string, unknown>, schema: string, data: MemoryTenantData, next: () => number, createdAt: string): unknown {
    switch (name) {
      case 'data/tables': {
        const list: TableList = {
          tenant: schema,
          editsAllowed: this.editable.has(schema),
          exactCountLimitBytes: 4 * 1024 * 1024,
          tables: Object.entries(TABLES).map(([table, def]) => ({
            name: table,
            shared: false,
            kind: 'table' as const,
            rows: { count: def.rows(data).length, exact: true },
            sizeBytes: 8192,
            readOnlyReason: null,
          })),
        }
        return list
      }
      case 'data/rows': {
        const table = this.table(input.table)
        const sort = (input.sort as SortSpec | null | undefined) ?? null
        const filters = (input.filters as FilterSpec[] | undefined) ?? []
        const limit = typeof input.limit === 'number' ? input.limit : 100
        const sortAt = sort ? table.columns.findIndex((c) => c.name === sort.column) : -1
        for (const [i, f] of filters.entries()) {
          if (!table.columns.some((c) => c.name === f.column)) {
            throw new ContractError({ code: 'INVALID_INPUT', message: `filters.${i}.column: no column "${f.column}"`, field: `filters.${i}.column` })
          }
        }
        const direction = sort?.direction === 'desc' ? -1 : 1
        const rows = table
          .rows(data)
          .map((row) => ({ row, cells: table.cells(row) }))
          .filter(({ cells }) => filters.every((f) => matches(table.columns[table.columns.findIndex((c) => c.name === f.column)] as GridColumn, cells[table.columns.findIndex((c) => c.name === f.column)] ?? null, f)))
          .sort((a, b) => {
            const bySort = sortAt >= 0 ? compare(table.columns[sortAt] as GridColumn, a.cells[sortAt] ?? null, b.cells[sortAt] ?? null) : 0
            return direction * (bySort || Number(a.cells[0]) - Number(b.cells[0]))
          })
        const after = input.after as RowCursor | undefined
        const lastId = after?.values[after.values.length - 1]
        const start = lastId === undefined ? 0 : rows.findIndex(({ cells }) => cells[0] === lastId) + 1
        const slice = rows.slice(start, start + limit)
        const last = slice[slice.length - 1]
        const page: RowPage = {
          tenant: schema,
          editsAllowed: this.editable.has(schema),
          table: { name: String(input.table), shared: false, readOnlyReason: null, key: { kind: 'primary', columns: ['id'] } },
          columns: table.columns,
          rows: slice.map(({ cells }) => cells),
          versions: slice.map(({ row }) => this.versionOf(row)),
          truncated: [],
          next:
            start + limit < rows.length && last
              ? { phase: 'values', values: sortAt >= 0 ? [last.cells[sortAt] ?? null, last.cells[0] ?? null] : [last.cells[0] ?? null] }
              : null,
        }
        return page
      }
      case 'data/allow-edits':
        if (input.allow === true) this.editable.add(schema)
        else this.editable.delete(schema)
        return { tenant: schema, editsAllowed: input.allow === true }
      case 'data/insert': {
        this.assertEditable(schema)
        const table = this.table(input.table)
        const row = table.create(data, input.values as Record<string, GridCell>, next(), createdAt)
        return this.written(table, row, this.versionOf(row))
      }
      case 'data/update': {
        this.assertEditable(schema)
        const table = this.table(input.table)
        const row = this.unchangedRow(table, data, input.key, input.version, 'updated')
        for (const [column, value] of Object.entries(input.values as Record<string, GridCell>)) table.assign(row, column, value)
        return this.written(table, row, this.bump(row))
      }
      case 'data/delete': {
        this.assertEditable(schema)
        const table = this.table(input.table)
        const row = this.unchangedRow(table, data, input.key, input.version, 'deleted')
        table.remove(data, row)
        return { deleted: 1 }
      }
      case 'data/export': {
        const table = this.table(input.table)
        return { kind: 'saved', path: `/memory/${schema}-${String(input.table)}.${String(input.format)}`, rows: table.rows(data).length, bytes: 0 }
      }
      default:
        return undefined
    }
  }
}
