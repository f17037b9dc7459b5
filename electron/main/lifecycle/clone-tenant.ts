import { qualified, quoteIdent } from '../db/sql.ts'
import { InvalidInputError } from '../errors.ts'
import { LEDGER_TABLE } from '../migrations/ledger-storage.ts'
import { lockSchemaSql } from '../db/tenant-sql.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { assertSchemaName } from '../tenancy/schema-name.ts'
import { type Tenant, provisionTenant } from '../tenancy/tenant-registry.ts'
import { validateTenantInput } from '../tenancy/tenant-input.ts'
import { type LifecycleProgress, progressThrottle } from './progress.ts'
import { rowCounts, tenantSequences, tenantTables } from './tenant-tables.ts'

export interface CloneOptions {
  from: string
  schema: string
  name?: string
  domains?: readonly string[]
  /** Copy every tenant table's rows too (sequences continue after the copied values). */
  data?: boolean
  onProgress?: (progress: LifecycleProgress) => void
}

/**
 * Clones a tenant in one transaction: a new tenant (own schema, role, grants,
 * registry rows) at the source's migration level, and with `data` a copy of
 * every row. The rows are copied by one INSERT … SELECT per table, all in one
 * statement, so they come from one snapshot and agree with each other; the
 * source's schema lock is held in SHARE mode, so no migration changes its
 * tables meanwhile while its own traffic goes on.
 */
export async function cloneTenant(tenancy: Tenancy, options: CloneOptions): Promise<Tenant & { rows: number }> {
  const { db } = tenancy
  assertSchemaName(options.from, 'from')
  const source = await tenancy.getTenant(options.from)
  if (source.status === 'archived' || source.status === 'moved') {
    throw new InvalidInputError('from', `tenant "${options.from}" is ${source.status}: its data is not in this database`)
  }
  const valid = validateTenantInput(
    { name: options.name ?? `${source.name} (copy)`.slice(0, 100), schema: options.schema, ...(options.domains ? { domains: options.domains } : {}) },
    tenancy.baseDomain,
  )
  if (valid.schema === options.from) throw new InvalidInputError('schema', 'must differ from --from')
  // The level is read without the lock, then checked again under it (in the transaction), so a
  // migration of the source that lands in between is noticed rather than cloned half-way.
  const level = await db.rows<{ name: string }>(`SELECT name FROM public.tenant_migrations WHERE schema = $1`, [options.from])
  const applied = new Set(level.map((row) => row.name))
  // A clone is of the source's type, at the source's level.
  const ofType = tenancy.migrationsOfType(source.type, 'from')
  const migrations = ofType.filter((m) => applied.has(m.name))
  if (migrations.length !== applied.size) {
    const unknown = [...applied].filter((name) => !ofType.some((m) => m.name === name))
    throw new InvalidInputError('from', `tenant "${options.from}" has migration(s) this project lacks: ${unknown.join(', ')}`)
  }
  const progress = progressThrottle(options.onProgress)
  let rows = 0
  const tenant = await provisionTenant(db, {
    ...valid,
    type: source.type,
    migrations,
    before: lockSchemaSql(options.from, { shared: true }),
    fill: async (tx) => {
      const now = await tx.rows<{ names: string[] | null }>(`SELECT array_agg(name ORDER BY name) AS names FROM ${qualified(options.from, LEDGER_TABLE)}`)
      const current = [...(now[0]?.names ?? [])].sort()
      if (current.join(',') !== [...applied].sort().join(',')) {
        throw new InvalidInputError('from', `tenant "${options.from}" was migrated while the clone started; run the clone again`)
      }
      if (!options.data) return
      const tables = await tenantTables((sql, bind) => tx.rows(sql, bind), options.from)
      if (tables.length === 0) return
      progress({ phase: 'clone', rowsDone: 0, rowsTotal: 0 }, true)
      // Migrations may seed rows (a default subscription, starter content); the source's rows replace them.
      tx.exec(`TRUNCATE ${tables.map((table) => qualified(valid.schema, table.name)).join(', ')}`)
      // One statement: every table's copy sees the same snapshot, and the foreign-key checks
      // run at its end, when every table is filled.
      const copies = tables.map((table, i) => {
        const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ')
        const overriding = table.identityAlways ? ' OVERRIDING SYSTEM VALUE' : ''
        return `c${i} AS (INSERT INTO ${qualified(valid.schema, table.name)} (${columns})${overriding}
                 SELECT ${columns} FROM ${qualified(options.from, table.name)})`
      })
      tx.exec(`WITH ${copies.join(',\n')} SELECT 1`)
      const counts = await rowCounts((sql, bind) => tx.rows(sql, bind), valid.schema, tables.map((t) => t.name), qualified)
      rows = [...counts.values()].reduce((a, b) => a + b, 0)
      for (const sequence of await tenantSequences((sql, bind) => tx.rows(sql, bind), options.from)) {
        tx.exec('SELECT setval($1::regclass, $2::bigint, $3)', [qualified(valid.schema, sequence.name), sequence.lastValue, sequence.isCalled])
      }
      progress({ phase: 'clone', rowsDone: rows, rowsTotal: rows }, true)
    },
  })
  tenancy.resolver.invalidate()
  return { ...tenant, rows }
}
