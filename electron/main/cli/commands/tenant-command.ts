import type { TenantStatus } from '../../../../contract/types.ts'
import { InvalidInputError } from '../../errors.ts'
import { assertSchemaName } from '../../tenancy/schema-name.ts'
import type { CliContext } from '../cli-context.ts'
import { parseFlags, requireFlag } from '../parse-args.ts'
import { TENANT_FLAGS } from '../command-table.ts'
import { LIFECYCLE_USAGE } from '../usage.ts'
import { readTenantList } from './tenant-list-read.ts'

/** One element of `schemata tenant list --json`: a stable, documented shape. */
export interface TenantListItem {
  name: string
  schema: string
  /** The tenant's type (one of the project's tenantTypes). */
  type: string
  domains: string[]
  /** `active`, `suspended`, `archived`, `moving` or `moved` (pooled schemas are never listed). */
  status: TenantStatus
  pending: number
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** `schemata tenant create | list | drop | set-type | suspend | resume`, and the lifecycle verbs (tenant-lifecycle-command.ts). */
export async function tenantCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv
  const { io } = context
  if (verb !== undefined && verb in LIFECYCLE_USAGE) {
    // Export, import, archive and move (and pg-copy-streams) load only for their own verbs.
    const { tenantLifecycleCommand } = await import('./tenant-lifecycle-command.ts')
    return tenantLifecycleCommand(context, verb, rest)
  }
  switch (verb) {
    case 'create': {
      const flags = parseFlags(rest, TENANT_FLAGS.create)
      const name = requireFlag(flags, 'name')
      const schema = requireFlag(flags, 'schema')
      // Checked here too, before connecting: a mistyped name (Hooli → hooli) is answered at once.
      assertSchemaName(schema)
      const type = flags.type
      // Checked against the project before the database is touched.
      if (type !== undefined && !context.project.tenantTypes.some((t) => t.name === type)) {
        throw new InvalidInputError('type', `"${type}" is not a tenant type of this project (one of ${context.project.tenantTypes.map((t) => `"${t.name}"`).join(', ')})`)
      }
      const tenant = await context.withTenancy(
        (tenancy) => tenancy.createTenant({ name, schema, ...(flags.domain ? { domains: flags.domain } : {}), ...(type === undefined ? {} : { type }) }),
        { ensureShared: true },
      )
      io.out(
        flags.json
          ? JSON.stringify({ name: tenant.name, schema: tenant.schema, type: tenant.type, domains: tenant.domains, status: tenant.status })
          : `created tenant "${tenant.name}" (schema ${tenant.schema}, type ${tenant.type}, domains ${tenant.domains.join(', ')})`,
      )
      return 0
    }
    case 'list': {
      const flags = parseFlags(rest, TENANT_FLAGS.list)
      // One query over a plain client; through the core only when shared migrations must be applied first.
      const tenants =
        (await context.withClient((client) => readTenantList(client, context.project))) ??
        (await context.withTenancy((tenancy) => tenancy.listTenants(), { ensureShared: true }))
      if (flags.json) {
        const items: TenantListItem[] = tenants.map((t) => ({
          name: t.name,
          schema: t.schema,
          type: t.type,
          domains: t.domains,
          status: t.status,
          pending: t.pendingMigrations.length,
        }))
        io.out(JSON.stringify(items))
      } else if (tenants.length === 0) {
        io.out('no tenants (create one with "schemata tenant create" or seed the demo with "schemata demo")')
      } else {
        for (const t of tenants) {
          io.out(
            `${t.schema.padEnd(20)} ${t.type.padEnd(12)} ${t.status.padEnd(9)} ${String(t.pendingMigrations.length).padStart(2)} pending  ` +
              `${formatBytes(t.sizeBytes).padStart(8)}  ${t.name}  [${t.domains.join(', ')}]`,
          )
        }
      }
      return 0
    }
    case 'drop': {
      const flags = parseFlags(rest, TENANT_FLAGS.drop)
      const schema = requireFlag(flags, 'schema')
      if (!flags.yes) throw new InvalidInputError('yes', `--yes is required: dropping "${schema}" deletes its schema and all its data`)
      await context.withTenancy((tenancy) => tenancy.dropTenant(schema), { ensureShared: true })
      io.out(flags.json ? JSON.stringify({ schema, dropped: true }) : `dropped tenant ${schema} (schema, role and registry rows)`)
      return 0
    }
    case 'set-type': {
      const flags = parseFlags(rest, TENANT_FLAGS['set-type'])
      const schema = requireFlag(flags, 'schema')
      const type = requireFlag(flags, 'type')
      const change = await context.withTenancy(
        (tenancy) =>
          tenancy.changeTenantType(schema, type, {
            onStep: (step) => {
              if (!flags.json) io.err(`[${schema}] ${step.action} ${step.migration}`)
            },
          }),
        { ensureShared: true },
      )
      if (flags.json) io.out(JSON.stringify(change))
      else if (change.from === change.to) io.out(`tenant ${schema} is already of type ${type}; nothing changed`)
      else {
        const what = [change.reverted.length > 0 ? `reverted ${change.reverted.join(', ')}` : '', change.applied.length > 0 ? `applied ${change.applied.join(', ')}` : '']
          .filter(Boolean)
          .join('; ')
        io.out(`tenant ${schema}: type ${change.from} → ${change.to}${what ? ` (${what})` : ''}`)
      }
      return 0
    }
    case 'suspend':
    case 'resume': {
      const flags = parseFlags(rest, TENANT_FLAGS[verb])
      const schema = requireFlag(flags, 'schema')
      await context.withTenancy((tenancy) => tenancy.setStatus(schema, verb === 'suspend' ? 'suspended' : 'active'), {
        ensureShared: true,
      })
      const status = verb === 'suspend' ? 'suspended' : 'active'
      io.out(flags.json ? JSON.stringify({ schema, status }) : `${verb === 'suspend' ? 'suspended' : 'resumed'} tenant ${schema}`)
      return 0
    }
    default:
      throw new InvalidInputError(
        'command',
        `"tenant ${verb ?? ''}" is not a command; use tenant create | list | drop | set-type | suspend | resume | ${Object.keys(LIFECYCLE_USAGE).join(' | ')}`,
      )
  }
}
