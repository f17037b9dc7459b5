import { closestMatch } from '../../../contract/closest-match.ts'
import type { Database } from '../db/database.ts'
import { InvalidInputError } from '../errors.ts'
import type { Project } from '../project/project.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'

/** Which tenants a fan-out runs in: all of them, those of one type, or a list; narrowed by `where`. */
export interface TenantSelection {
  all?: boolean
  type?: string
  tenants?: readonly string[]
  where?: readonly TenantCondition[]
}

/** `status=active`, `type=enterprise`: a registry field and the value it must have. */
export interface TenantCondition {
  field: TenantField
  value: string
}

export const TENANT_FIELDS = ['status', 'type'] as const
export type TenantField = (typeof TENANT_FIELDS)[number]

/** Statuses a tenant with a schema can have; archived and moved tenants have none to query. */
const QUERYABLE_STATUSES = ['active', 'suspended'] as const
const ALL_STATUSES = ['active', 'suspended', 'archived', 'moving', 'moved'] as const

/** Parses `field=value` (the CLI's `--where`); the field must be one the registry knows. */
export function parseCondition(text: string, flag = 'where'): TenantCondition {
  const match = /^([a-z_]+)\s*=\s*(.+)$/.exec(text.trim())
  if (!match) throw new InvalidInputError(flag, `"${text}" is not field=value (e.g. status=active)`)
  const field = match[1] as string
  if (!(TENANT_FIELDS as readonly string[]).includes(field)) {
    const guess = closestMatch(field, TENANT_FIELDS)
    throw new InvalidInputError(flag, `"${field}" is not a tenant field; use ${TENANT_FIELDS.join(' or ')}${guess ? ` (did you mean "${guess}"?)` : ''}`)
  }
  return { field: field as TenantField, value: (match[2] as string).trim() }
}

const typeColumnKnown = new WeakMap<Database, Promise<boolean>>()

/** Whether the registry records each tenant's type (tenant types came with a later registry migration). */
function hasTypeColumn(db: Database): Promise<boolean> {
  let known = typeColumnKnown.get(db)
  if (!known) {
    known = db
      .rows("SELECT 1 FROM pg_attribute WHERE attrelid = 'public.tenants'::regclass AND attname = 'type' AND NOT attisdropped")
      .then((rows) => rows.length > 0)
    typeColumnKnown.set(db, known)
  }
  return known
}

function checkType(project: Pick<Project, 'tenantTypes'>, type: string, field: string): void {
  const names = project.tenantTypes.map((t) => t.name)
  if (names.includes(type)) return
  const guess = closestMatch(type, names)
  throw new InvalidInputError(field, `"${type}" is not a tenant type of this project (${names.join(', ')})${guess ? `; did you mean "${guess}"?` : ''}`)
}

/**
 * The schemas a selection names, in name order: checked before anything runs —
 * exactly one of all / type / tenants, a known type, every listed tenant
 * registered (an unknown one is named, with the closest registered name).
 * Listed tenants are kept whatever their status, so a suspended one is
 * reported as such; `all` and `type` take tenants that have a schema (active
 * or suspended), and `where status=active` leaves the suspended out.
 */
export async function selectTenants(db: Database, project: Pick<Project, 'tenantTypes' | 'defaultTenantType'>, selection: TenantSelection): Promise<string[]> {
  const ways = [selection.all === true, selection.type !== undefined, selection.tenants !== undefined].filter(Boolean).length
  if (ways !== 1) throw new InvalidInputError('tenants', 'choose the tenants one way: all, a type, or a list')
  const where = selection.where ?? []
  for (const condition of where) {
    if (condition.field === 'type') checkType(project, condition.value, 'where')
    if (condition.field === 'status' && !(ALL_STATUSES as readonly string[]).includes(condition.value)) {
      throw new InvalidInputError('where', `"${condition.value}" is not a tenant status (${ALL_STATUSES.join(', ')})`)
    }
  }
  if (selection.type !== undefined) checkType(project, selection.type, 'type')

  const bind: unknown[] = []
  const param = (value: unknown): string => `$${bind.push(value)}`
  // Before tenant types were recorded, every tenant is of the project's default type.
  const typed = await hasTypeColumn(db)
  const typeOf = (): string => (typed ? 't.type' : `${param(project.defaultTenantType)}::text`)
  const conditions = [`t.status = ANY(${param([...QUERYABLE_STATUSES])}::text[])`]
  if (selection.tenants !== undefined) conditions.push(`t.schema = ANY(${param(await checkListed(db, selection.tenants))}::text[])`)
  if (selection.type !== undefined) conditions.push(`${typeOf()} = ${param(selection.type)}`)
  for (const condition of where) conditions.push(`${condition.field === 'status' ? 't.status' : typeOf()} = ${param(condition.value)}`)
  const rows = await db.rows<{ schema: string }>(`SELECT t.schema FROM public.tenants t WHERE ${conditions.join(' AND ')} ORDER BY t.schema`, bind)
  return rows.map((row) => row.schema)
}

/** The listed schemas, once each, after checking each is a tenant with a schema here. */
async function checkListed(db: Database, tenants: readonly string[]): Promise<string[]> {
  const listed = [...new Set(tenants)]
  if (listed.length === 0) throw new InvalidInputError('tenants', 'name at least one tenant')
  listed.forEach((schema, i) => assertSchemaName(schema, `tenants[${i}]`))
  const rows = await db.rows<{ schema: string; status: string }>("SELECT schema, status FROM public.tenants WHERE status <> 'pooled'")
  const known = new Map(rows.map((row) => [row.schema, row.status]))
  const unknown = listed.filter((schema) => !known.has(schema))
  if (unknown.length > 0) {
    const guess = closestMatch(unknown[0] as string, [...known.keys()])
    throw new InvalidInputError('tenants', `no tenant with schema ${unknown.map((s) => `"${s}"`).join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}; nothing was run`)
  }
  const gone = listed.filter((schema) => !(QUERYABLE_STATUSES as readonly string[]).includes(known.get(schema) ?? ''))
  if (gone.length > 0) {
    throw new InvalidInputError('tenants', `${gone.map((s) => `"${s}" is ${known.get(s)}`).join(', ')}: no schema here to query; nothing was run`)
  }
  return listed
}
