import { randomBytes } from 'node:crypto'
import type { Database } from '../db/database.ts'
import { SqlState, pgErrorOf } from '../db/pg-error.ts'
import type { DbTransaction } from '../db/pipelined-transaction.ts'
import { qualified, quoteIdent } from '../db/sql.ts'
import { InvalidInputError, TenantNotFoundError, quoteForMessage } from '../errors.ts'
import { LEDGER_TABLE } from '../migrations/ledger-storage.ts'
import { lockSchemasSql } from '../db/tenant-sql.ts'
import { tenantRoleName } from '../tenancy/role-name.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { defaultDomainFor } from '../tenancy/tenant-input.ts'

/** DDL renaming a tenant's schema and role (grants and default privileges follow: they name the role by OID). */
export function renameObjectsSql(from: { schema: string; role: string }, to: { schema: string; role: string }): string {
  const statements = [`ALTER SCHEMA ${quoteIdent(from.schema)} RENAME TO ${quoteIdent(to.schema)}`]
  if (from.role !== to.role) statements.push(`ALTER ROLE ${quoteIdent(from.role)} RENAME TO ${quoteIdent(to.role)}`)
  return statements.join(';\n')
}

/** Turns the constraint and object errors of a rename into the field the user got wrong. */
export function translateRenameError(error: unknown, to: string, field = 'to'): unknown {
  const pg = pgErrorOf(error)
  if (!pg) return error
  if (pg.code === SqlState.uniqueViolation && pg.constraint === 'domains_pkey') {
    const domain = /\(domain\)=\(([^)]*)\)/.exec(pg.detail ?? '')?.[1] ?? ''
    return new InvalidInputError(field, `the default domain ${quoteForMessage(domain, 253)} of "${to}" already belongs to another tenant`, { cause: error })
  }
  if (pg.code === SqlState.uniqueViolation) return new InvalidInputError(field, `a tenant with schema "${to}" already exists`, { cause: error })
  if (pg.code === SqlState.duplicateSchema) return new InvalidInputError(field, `schema "${to}" already exists in the database (not a registered tenant)`, { cause: error })
  if (pg.code === SqlState.duplicateObject) return new InvalidInputError(field, `the role for schema "${to}" already exists in this PostgreSQL server`, { cause: error })
  return error
}

interface RenamedRow {
  id: string
  role: string
  status: string
}

/**
 * Renames a tenant in one transaction: its schema, its role, its registry row
 * (the central ledger follows by ON UPDATE CASCADE; the schema's own ledger
 * is inside it) and its default domain `<schema>.<base>` — other domains stay.
 * Scopes running in the tenant finish first and scopes arriving meanwhile
 * wait, then find it under its new name; its id, and so tokens naming it,
 * do not change.
 */
export async function renameTenant(db: Database, baseDomain: string, schema: string, to: string): Promise<{ id: string; role: string }> {
  assertSchemaName(schema, 'schema')
  assertSchemaName(to, 'to')
  if (schema === to) throw new InvalidInputError('to', 'must differ from the current schema name')
  const role = tenantRoleName(db.databaseName, to)
  const oldDomain = safeDefaultDomain(schema, baseDomain)
  const newDomain = safeDefaultDomain(to, baseDomain)
  try {
    return await db.transaction(async (tx) => {
      tx.exec(lockSchemasSql([schema, to]))
      const [row] = await tx.rows<RenamedRow>(
        `WITH old AS (SELECT id, role, status FROM public.tenants WHERE schema = $1 FOR UPDATE),
              moved AS (UPDATE public.tenants t SET schema = $2, role = $3, updated_at = now()
                          FROM old WHERE t.id = old.id AND old.status IN ('active', 'suspended') RETURNING t.id)
         SELECT old.id, old.role, old.status FROM old`,
        [schema, to, role],
      )
      if (!row || row.status === 'pooled') throw new TenantNotFoundError(schema)
      if (row.status !== 'active' && row.status !== 'suspended') {
        throw new InvalidInputError('schema', `tenant "${schema}" is ${row.status}; only active or suspended tenants can be renamed`)
      }
      renameInTransaction(tx, { schema, role: row.role }, { schema: to, role }, row.id, oldDomain, newDomain)
      return { id: row.id, role }
    })
  } catch (error) {
    throw translateRenameError(error, to)
  }
}

function safeDefaultDomain(schema: string, baseDomain: string): string | undefined {
  try {
    return defaultDomainFor(schema, baseDomain)
  } catch {
    return undefined
  }
}

/** Queues a rename's DDL and default-domain move into `tx` (the registry row is the caller's). */
export function renameInTransaction(
  tx: DbTransaction,
  from: { schema: string; role: string },
  to: { schema: string; role: string },
  tenantId: string,
  oldDomain: string | undefined,
  newDomain: string | undefined,
): void {
  tx.exec(renameObjectsSql(from, to))
  if (oldDomain !== undefined && newDomain !== undefined) {
    tx.exec('UPDATE public.domains SET domain = $3 WHERE tenant_id = $1 AND domain = $2', [tenantId, oldDomain, newDomain])
  }
}

/**
 * Swaps two tenants' schemas in one transaction — `tenant swap --schema acme
 * --with acme__restored` puts the restored data live under `acme` and keeps
 * the old data under `acme__restored` until it is dropped. Registry rows
 * (id, name, domains) stay with their names; schemas, roles and the central
 * ledger change places.
 */
export async function swapTenants(db: Database, schema: string, other: string): Promise<void> {
  assertSchemaName(schema, 'schema')
  assertSchemaName(other, 'with')
  if (schema === other) throw new InvalidInputError('with', 'must name another tenant')
  const tmpSchema = `_swap_${randomBytes(6).toString('hex')}`
  const tmpRole = `tenant_swap_${randomBytes(8).toString('hex')}`
  await db.transaction(async (tx) => {
    tx.exec(lockSchemasSql([schema, other]))
    const rows = await tx.rows<{ schema: string; role: string; status: string; type: string }>(
      `SELECT schema, role, status, type FROM public.tenants WHERE schema = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [[schema, other]],
    )
    const a = rows.find((r) => r.schema === schema)
    const b = rows.find((r) => r.schema === other)
    if (!a || a.status === 'pooled') throw new TenantNotFoundError(schema)
    if (!b || b.status === 'pooled') throw Object.assign(new TenantNotFoundError(other), { field: 'with' })
    for (const [row, field] of [[a, 'schema'], [b, 'with']] as const) {
      if (row.status !== 'active' && row.status !== 'suspended') {
        throw new InvalidInputError(field, `tenant "${row.schema}" is ${row.status}; only active or suspended tenants can be swapped`)
      }
    }
    if (a.type !== b.type) throw new InvalidInputError('with', `tenant "${other}" is of type ${b.type}, "${schema}" of type ${a.type}: only tenants of one type can be swapped`)
    tx.exec(
      [
        renameObjectsSql(a, { schema: tmpSchema, role: tmpRole }),
        renameObjectsSql(b, a),
        renameObjectsSql({ schema: tmpSchema, role: tmpRole }, b),
      ].join(';\n'),
    )
    // Each schema took its own ledger along; the central one is rebuilt from them.
    // (Two statements: a DELETE in a WITH runs after the INSERT it sits beside.)
    tx.exec('DELETE FROM public.tenant_migrations WHERE schema = ANY($1::text[])', [[schema, other]])
    tx.exec(
      `INSERT INTO public.tenant_migrations (schema, name)
       SELECT $1::text, name FROM ${qualified(schema, LEDGER_TABLE)} UNION ALL SELECT $2::text, name FROM ${qualified(other, LEDGER_TABLE)}`,
      [schema, other],
    )
  })
}
