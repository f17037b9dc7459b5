import { createHash } from 'node:crypto'
import type { PlannedStage, PlannedTenant, RolloutOptions } from '../../../contract/rollout-types.ts'
import { InvalidInputError, quoteForMessage } from '../errors.ts'
import { seededRandom, shuffled } from './seeded-random.ts'

/**
 * A seed that is the same whenever the fleet and its pending work are: a
 * "random 5" canary in `--plan` is then exactly the 5 the run picks.
 */
export function canarySeed(tenants: readonly PlannedTenant[]): string {
  const hash = createHash('sha256')
  for (const tenant of [...tenants].sort((a, b) => (a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : 0))) hash.update(`${tenant.schema}:${tenant.pending.join(',')}\n`)
  return hash.digest('hex').slice(0, 16)
}

/** `count` of `tenants` picked by a seeded shuffle, kept in their run order. */
export function pickRandom<T>(tenants: readonly T[], count: number, seed: string): T[] {
  // The seed's first 32 bits drive the generator.
  const random = seededRandom(Number.parseInt(seed.slice(0, 8), 16))
  return shuffled(
    tenants.map((_, i) => i),
    random,
  )
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => tenants[i] as T)
}

/**
 * Splits the tenants that have work (in run order) into stages: the canary
 * first, then waves of `wave` tenants (one wave of all the rest without it).
 * Named canary tenants must be tenants of the fleet (`fleet`); those with
 * nothing pending have nothing to prove and are left out of the stage.
 */
export function buildStages(
  toMigrate: readonly PlannedTenant[],
  fleet: ReadonlySet<string>,
  options: Pick<RolloutOptions, 'canary' | 'wave'>,
  seed: string,
): PlannedStage[] {
  let canary: PlannedTenant[] = []
  if (options.canary && 'schemas' in options.canary) {
    const unknown = options.canary.schemas.filter((schema) => !fleet.has(schema))
    if (unknown.length > 0) {
      throw new InvalidInputError('canary', `${unknown.map((s) => quoteForMessage(s)).join(', ')} ${unknown.length === 1 ? 'is not a tenant' : 'are not tenants'}`)
    }
    const bySchema = new Map(toMigrate.map((t) => [t.schema, t]))
    canary = options.canary.schemas.flatMap((schema) => bySchema.get(schema) ?? [])
  } else if (options.canary) {
    canary = pickRandom(toMigrate, options.canary.count, seed)
  }
  const inCanary = new Set(canary.map((t) => t.schema))
  const rest = toMigrate.filter((t) => !inCanary.has(t.schema))
  const stages: PlannedStage[] = []
  if (canary.length > 0) stages.push({ kind: 'canary', number: 1, tenants: canary, estimateMs: null })
  const size = options.wave ?? Math.max(1, rest.length)
  for (let i = 0; i < rest.length; i += size) {
    stages.push({ kind: 'wave', number: stages.filter((s) => s.kind === 'wave').length + 1, tenants: rest.slice(i, i + size), estimateMs: null })
  }
  return stages
}
