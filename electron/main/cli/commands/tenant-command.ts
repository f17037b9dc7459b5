import type { TenantStatus } from '../../../../contract/types.ts'
import { InvalidInputError } from '../../errors.ts'
import type { CliContext } from '../cli-context.ts'
import { parseFlags, requireFlag } from '../parse-args.ts'
import { LIFECYCLE_USAGE, tenantLifecycleCommand } from './tenant-lifecycle-command.ts'

/** One element of `schemata tenant list --json`: a stable, documented shape. */
export interface TenantListItem {
  name: string
  schema: string
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

/** `schemata tenant create | list | drop | suspend | resume`, and the lifecycle verbs (tenant-lifecycle-command.ts). */
export async function tenantCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv
  const { io } = context
  if (verb !== undefined && verb in LIFECYCLE_USAGE) return tenantLifecycleCommand(context, verb, rest)
  switch (verb) {
    case 'create': {
      const flags = parseFlags(rest, {
        name: { type: 'string' },
        schema: { type: 'string' },
        domain: { type: 'string', multiple: true },
      })
      const name = requireFlag(flags, 'name')
      const schema = requireFlag(flags, 'schema')
      const tenant = await context.withTenancy(
        (tenancy) => tenancy.createTenant({ name, schema, ...(flags.domain ? { domains: flags.domain } : {}) }),
        { ensureShared: true },
      )
      io.out(`created tenant "${tenant.name}" (schema ${tenant.schema}, domains ${tenant.domains.join(', ')})`)
      return 0
    }
    case 'list': {
      const flags = parseFlags(rest, { json: { type: 'boolean' } })
      const tenants = await context.withTenancy((tenancy) => tenancy.listTenants(), { ensureShared: true })
      if (flags.json) {
        const items: TenantListItem[] = tenants.map((t) => ({
          name: t.name,
          schema: t.schema,
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
            `${t.schema.padEnd(20)} ${t.status.padEnd(9)} ${String(t.pendingMigrations.length).padStart(2)} pending  ` +
              `${formatBytes(t.sizeBytes).padStart(8)}  ${t.name}  [${t.domains.join(', ')}]`,
          )
        }
      }
      return 0
    }
    case 'drop': {
      const flags = parseFlags(rest, { schema: { type: 'string' }, yes: { type: 'boolean' } })
      const schema = requireFlag(flags, 'schema')
      if (!flags.yes) throw new InvalidInputError('yes', `--yes is required: dropping "${schema}" deletes its schema and all its data`)
      await context.withTenancy((tenancy) => tenancy.dropTenant(schema), { ensureShared: true })
      io.out(`dropped tenant ${schema} (schema, role and registry rows)`)
      return 0
    }
    case 'suspend':
    case 'resume': {
      const flags = parseFlags(rest, { schema: { type: 'string' } })
      const schema = requireFlag(flags, 'schema')
      await context.withTenancy((tenancy) => tenancy.setStatus(schema, verb === 'suspend' ? 'suspended' : 'active'), {
        ensureShared: true,
      })
      io.out(`${verb === 'suspend' ? 'suspended' : 'resumed'} tenant ${schema}`)
      return 0
    }
    default:
      throw new InvalidInputError(
        'command',
        `"tenant ${verb ?? ''}" is not a command; use tenant create | list | drop | suspend | resume | ${Object.keys(LIFECYCLE_USAGE).join(' | ')}`,
      )
  }
}
