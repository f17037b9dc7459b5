import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConsoleServer, startConsoleServer } from '../e2e/fixtures/console-server.ts'

interface Answer {
  status: number
  body: Record<string, unknown>
}

/** One tenant API request to the server, with the Host a browser at that tenant would send. */
function api(server: ConsoleServer, method: string, path: string, host: string, body?: unknown, token?: string): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: {
          host: `${host}:${server.port}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await predicate()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('SIGKILL of the embedded PostgreSQL under a running `schemata serve`', () => {
  let server: ConsoleServer

  beforeAll(async () => {
    server = await startConsoleServer({ name: 'pgkill' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('is reported, the database is restarted, and every committed write is still there', async () => {
    const login = await api(server, 'POST', '/api/login', 'acme.localhost', { email: 'admin@acme.example', password: 'acme-demo' })
    expect(login.status).toBe(200)
    const token = String(login.body.token)
    const committed: string[] = []
    for (let i = 0; i < 25; i++) {
      const name = `Committed before the crash ${i}`
      const created = await api(server, 'POST', '/api/customers', 'acme.localhost', { name, email: `c${i}@crash.example` }, token)
      expect(created.status).toBe(201)
      committed.push(name)
    }

    const postmasterPid = Number(readFileSync(join(server.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])
    process.kill(postmasterPid, 'SIGKILL')

    await waitFor('serve to report the crash', () => /PostgreSQL stopped unexpectedly/.test(server.log()))
    await waitFor('serve to restart PostgreSQL', () => /PostgreSQL restarted on port \d+/.test(server.log()))
    // Requests succeed again once the pool has replaced its dead connections.
    await waitFor('the API to answer again', async () => (await api(server, 'GET', '/api/customers', 'acme.localhost', undefined, token)).status === 200)

    const after = await api(server, 'GET', '/api/customers', 'acme.localhost', undefined, token)
    const names = (after.body.customers as { name: string }[]).map((c) => c.name)
    for (const name of committed) expect(names).toContain(name)
    // And it keeps working: a write after the restart commits too.
    const later = await api(server, 'POST', '/api/customers', 'acme.localhost', { name: 'After the restart', email: 'after@crash.example' }, token)
    expect(later.status).toBe(201)
    // The other tenants' data is untouched.
    const globex = await api(server, 'GET', '/api/tenant', 'globex.localhost')
    expect(globex.body).toMatchObject({ schema: 'globex' })
  })
})
