import { InvalidInputError } from '../../errors.ts'
import { drainPool } from '../../lifecycle/warm-pool.ts'
import type { CliContext } from '../cli-context.ts'
import { POOL_FLAGS } from '../command-table.ts'
import { parseFlags } from '../parse-args.ts'


/** `schemata pool status | fill | drain`. */
export async function poolCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv
  const { io } = context
  const flags = parseFlags(rest, POOL_FLAGS[verb as keyof typeof POOL_FLAGS] ?? {})
  switch (verb) {
    case 'status': {
      const status = await context.withTenancy((tenancy) => tenancy.poolStatus(), { ensureShared: true })
      io.out(flags.json ? JSON.stringify(status) : `pool size ${status.size}: ${status.ready} ready, ${status.behind} behind the migrations`)
      return 0
    }
    case 'fill': {
      const made = await context.withTenancy(async (tenancy) => {
        if (tenancy.pool.size === 0) throw new InvalidInputError('pool.size', 'no warm pool is configured ("pool": { "size": N } in schemata.config.json)')
        const count = await tenancy.fillPool()
        return { made: count, status: await tenancy.poolStatus() }
      }, { ensureShared: true })
      io.out(flags.json ? JSON.stringify(made) : `made ${made.made} pooled schema(s); ${made.status.ready} ready of ${made.status.size}`)
      return 0
    }
    case 'drain': {
      const dropped = await context.withTenancy((tenancy) => drainPool(tenancy.db, 0, (schema) => tenancy.dropTenant(schema)), { ensureShared: true })
      io.out(flags.json ? JSON.stringify({ dropped }) : `dropped ${dropped} pooled schema(s)`)
      return 0
    }
    default:
      throw new InvalidInputError('command', `"pool ${verb}" is not a command; use pool status | fill | drain`)
  }
}
