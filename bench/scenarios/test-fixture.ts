import { createTestTenant } from '../../electron/main/testing/test-tenant.ts'
import type { BenchContext } from '../context.ts'
import { round3, summarize } from '../stats.ts'

export interface TestFixtureResult {
  runs: number
  getP50Ms: number
  releaseP50Ms: number
  /** get + release of one throwaway tenant. */
  p50Ms: number
  p95Ms: number
}

/** `createTestTenant` + `release()`, as a test using the fixture pays them, with N tenants already present. */
export async function benchTestFixture(ctx: BenchContext, runs: number): Promise<TestFixtureResult> {
  ctx.progress(`test fixture: ${runs} throwaway tenants`)
  const { tenancy } = ctx.service
  // Warm-up: the first call pays for module JIT, not for the fixture.
  await (await createTestTenant(tenancy, { prefix: 'bench' })).release()
  const getMs: number[] = []
  const releaseMs: number[] = []
  const totalMs: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    const tenant = await createTestTenant(tenancy, { prefix: 'bench' })
    const got = performance.now()
    await tenant.release()
    const end = performance.now()
    getMs.push(got - start)
    releaseMs.push(end - got)
    totalMs.push(end - start)
  }
  const total = summarize(totalMs)
  return {
    runs,
    getP50Ms: round3(summarize(getMs).p50),
    releaseP50Ms: round3(summarize(releaseMs).p50),
    p50Ms: round3(total.p50),
    p95Ms: round3(total.p95),
  }
}
