import type { BenchContext } from '../context.ts'
import { round3, roundTo, summarize } from '../stats.ts'

export interface ResolveResult {
  iterations: number
  /** First resolve after `listen()`: loads the registry snapshot (one query over N tenants). */
  snapshotLoadMs: number
  hostP50Ms: number
  hostP99Ms: number
  headerP50Ms: number
  headerP99Ms: number
}

/**
 * Host → tenant and X-Tenant header → tenant through the service's resolver,
 * warm: `listen()` keeps the snapshot cached until the registry changes.
 */
export async function benchResolve(ctx: BenchContext, iterations: number): Promise<ResolveResult> {
  ctx.progress(`resolve: ${iterations} host and ${iterations} header lookups`)
  const { resolver } = ctx.service.tenancy
  await resolver.listen()
  const schemas = ctx.schemas
  const first = schemas[0] as string
  const loadStart = performance.now()
  const loaded = await resolver.resolve({ host: `${first}.localhost` })
  const snapshotLoadMs = performance.now() - loadStart
  if (!loaded.ok) throw new Error(`resolve of ${first}.localhost failed: ${loaded.message}`)

  const measure = async (request: (schema: string) => { host?: string; header?: string }): Promise<number[]> => {
    const ms: number[] = []
    for (let i = 0; i < iterations + 1000; i++) {
      const schema = schemas[i % schemas.length] as string
      const start = performance.now()
      const result = await resolver.resolve(request(schema))
      const elapsed = performance.now() - start
      if (!result.ok || result.schema !== schema) throw new Error(`resolve of ${schema} gave ${JSON.stringify(result)}`)
      // The first 1000 calls warm the JIT.
      if (i >= 1000) ms.push(elapsed)
    }
    return ms
  }
  const host = summarize(await measure((schema) => ({ host: `${schema}.localhost:4780` })))
  const header = summarize(await measure((schema) => ({ header: schema })))
  return {
    iterations,
    snapshotLoadMs: round3(snapshotLoadMs),
    hostP50Ms: roundTo(host.p50, 6),
    hostP99Ms: roundTo(host.p99, 6),
    headerP50Ms: roundTo(header.p50, 6),
    headerP99Ms: roundTo(header.p99, 6),
  }
}
