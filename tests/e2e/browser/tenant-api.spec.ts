import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { expect, test } from '@playwright/test'

/*
 * The tenant API in a real browser: Chromium resolves *.localhost to loopback,
 * so http://acme.localhost:PORT/api/tenant reaches `schemata serve` and is
 * routed by its Host; header routing is exercised with fetch from the page.
 * The spec starts its own `schemata demo` + `schemata serve --port 0` on a
 * fresh embedded database under .test-data. It needs no renderer build.
 * Chromium and its flags come from the `browser` project of playwright.config.ts.
 */

const run = promisify(execFile)
const repoRoot = path.resolve(import.meta.dirname, '../../..')
const bin = path.join(repoRoot, 'bin/schemata.js')
// Under the repo, not os.tmpdir(): as root the embedded cluster belongs to `postgres`.
const dataDir = path.join(repoRoot, '.test-data', `e2e-tenant-api-${process.pid}`)
const env = { ...process.env, DATABASE_URL: '', SCHEMATA_DATA_DIR: dataDir }

test.describe.configure({ mode: 'serial' })

let serve: ChildProcessByStdio<null, Readable, Readable> | undefined
let exited: Promise<number | null> | undefined
let port = 0

test.beforeAll(async () => {
  test.setTimeout(180_000)
  await rm(dataDir, { recursive: true, force: true })
  await run(process.execPath, [bin, 'demo'], { env, cwd: repoRoot, timeout: 120_000 })
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  serve = child
  exited = new Promise((done) => child.once('exit', (code) => done(code)))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const first = await new Promise<string>((done, fail) => {
    let buffer = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      const newline = buffer.indexOf('\n')
      if (newline !== -1) done(buffer.slice(0, newline))
    })
    void exited?.then((code) => fail(new Error(`schemata serve exited with ${code}: ${stderr}`)))
  })
  const match = /^Console: http:\/\/localhost:(\d+)\/\?token=/.exec(first)
  if (!match) throw new Error(`unexpected first line from schemata serve: ${first}`)
  port = Number(match[1])
})

test.afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM')
    // serve stops the embedded PostgreSQL it started; only then can the data directory go.
    expect(await exited).toBe(0)
  }
  await rm(dataDir, { recursive: true, force: true })
})

async function jsonOf(page: import('@playwright/test').Page): Promise<unknown> {
  return JSON.parse((await page.locator('body').innerText()).trim()) as unknown
}

test('acme.localhost and globex.localhost each get their own tenant', async ({ page }) => {
  const acme = await page.goto(`http://acme.localhost:${port}/api/tenant`)
  expect(acme?.status()).toBe(200)
  expect(acme?.headers()['content-type']).toContain('application/json')
  expect(await jsonOf(page)).toEqual({ name: 'Acme Corporation', schema: 'acme' })

  const globex = await page.goto(`http://globex.localhost:${port}/api/tenant`)
  expect(globex?.status()).toBe(200)
  expect(await jsonOf(page)).toEqual({ name: 'Globex Corporation', schema: 'globex' })
})

test('header routing, sign-in and a cross-tenant token, via fetch from the page', async ({ page }) => {
  await page.goto(`http://acme.localhost:${port}/api/tenant`)
  const result = await page.evaluate(async () => {
    const json = async (response: Response): Promise<{ status: number; body: unknown }> => ({ status: response.status, body: await response.json() })
    const sameTenantHeader = await json(await fetch('/api/tenant', { headers: { 'X-Tenant': 'acme' } }))
    const conflict = await json(await fetch('/api/tenant', { headers: { 'X-Tenant': 'globex' } }))
    const login = await json(
      await fetch('/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'admin@acme.example', password: 'acme-demo' }),
      }),
    )
    const token = (login.body as { token: string }).token
    const customers = await json(await fetch('/api/customers', { headers: { Authorization: `Bearer ${token}` } }))
    return { sameTenantHeader, conflict, login: login.status, customers, token }
  })
  expect(result.sameTenantHeader).toEqual({ status: 200, body: { name: 'Acme Corporation', schema: 'acme' } })
  expect(result.conflict.status).toBe(400)
  expect(result.conflict.body).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'x-tenant' } })
  expect(result.login).toBe(200)
  expect(result.customers.status).toBe(200)
  const names = (result.customers.body as { customers: { name: string }[] }).customers.map((c) => c.name).sort()
  expect(names).toEqual(['Marvin Martian', 'Road Runner Logistics', 'Wile E. Coyote'])

  // acme's token at globex (routed by the header from the bare host this time): 401.
  await page.goto(`http://localhost:${port}/api/tenant`)
  expect(await jsonOf(page)).toMatchObject({ error: { code: 'TENANT_NOT_FOUND' } })
  const crossTenant = await page.evaluate(async (token) => {
    const response = await fetch('/api/customers', { headers: { 'X-Tenant': 'globex', Authorization: `Bearer ${token}` } })
    return { status: response.status, body: await response.json() }
  }, result.token)
  expect(crossTenant).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'invalid or expired token' } } })
})

test('the console is not served on a tenant host', async ({ page }) => {
  const response = await page.goto(`http://acme.localhost:${port}/`)
  expect(response?.status()).toBe(404)
})
