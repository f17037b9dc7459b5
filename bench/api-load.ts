import { Agent, request } from 'node:http'

/** One run of authenticated GETs against the tenant API. */
export interface ApiLoadRun {
  requests: number
  seconds: number
  requestsPerSecond: number
  latenciesMs: number[]
}

export interface ApiLoadTarget {
  port: number
  /** Tenant schemas, each with a bearer token valid for it. */
  tokens: ReadonlyMap<string, string>
  /** Rows every answer must carry (a wrong count means a wrong tenant or a broken scope). */
  rowsPerTenant: number
}

function get(port: number, host: string, token: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'GET', path: '/api/customers', headers: { host, authorization: `Bearer ${token}` }, agent },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/**
 * `requests` GET /api/customers with `inFlight` at a time over keep-alive
 * sockets, tenants spread so that neighbours in flight differ (as in
 * tests/integration/tenant-api-load.test.ts). Every answer is checked; a
 * wrong one fails the run rather than being timed.
 */
export async function runApiLoad(target: ApiLoadTarget, requests: number, inFlight: number): Promise<ApiLoadRun> {
  const schemas = [...target.tokens.keys()]
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight })
  const latenciesMs: number[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const i = next++
      const schema = schemas[(i * 7) % schemas.length] as string
      const started = performance.now()
      const reply = await get(target.port, `${schema.replaceAll('_', '-')}.localhost:${target.port}`, target.tokens.get(schema) as string, agent)
      latenciesMs.push(performance.now() - started)
      if (reply.status !== 200) throw new Error(`GET /api/customers for ${schema}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`)
      const rows = (JSON.parse(reply.body) as { customers: unknown[] }).customers.length
      if (rows !== target.rowsPerTenant) throw new Error(`GET /api/customers for ${schema}: ${rows} rows, expected ${target.rowsPerTenant}`)
    }
  }
  const started = performance.now()
  try {
    await Promise.all(Array.from({ length: inFlight }, () => worker()))
  } finally {
    agent.destroy()
  }
  const seconds = (performance.now() - started) / 1000
  return { requests, seconds, requestsPerSecond: requests / seconds, latenciesMs }
}
