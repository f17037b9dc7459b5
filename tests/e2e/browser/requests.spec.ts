import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { expect, test } from '../fixtures/console-test.ts'
import { RequestsPanel } from '../fixtures/page-actions/requests-actions.ts'

/*
 * The Requests panel in Chromium against `schemata serve` on a fresh demo
 * database: every request the panel sends is a real HTTP request from the
 * server process to itself, routed by the typed Host and headers.
 */

/** A request made outside the panel, as curl would make it: straight to 127.0.0.1 with a tenant Host. */
function curl(port: number, host: string, pathname: string): Promise<{ status: number; requestId: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, method: 'GET', headers: { host }, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-request-id'] ?? ''), body: JSON.parse(text) as unknown }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

test('GET /api/tenant on globex.localhost reaches globex, by domain and by subdomain', async ({ consolePage, consoleServer }) => {
  const { port } = consoleServer
  await consolePage.switchByClick('globex')
  const panel = new RequestsPanel(consolePage.page)
  await panel.open()
  // Prefilled from the active tenant and the console's own port.
  await expect(panel.at.host).toHaveValue(`globex.localhost:${port}`)
  await expect(panel.at.path).toHaveValue('/api/tenant')
  await expect(panel.at.resultEmpty).toBeVisible()

  await panel.sendRequest({ method: 'GET', host: `globex.localhost:${port}`, path: '/api/tenant' })
  // The demo registers globex.localhost as globex's domain.
  await panel.expectResolved('globex', 200, 'domain')
  await expect(panel.at.status).toHaveText('200 OK')
  await expect(panel.at.resolvedName).toHaveText('Globex Corporation')
  expect(await panel.bodyJson()).toEqual({ name: 'Globex Corporation', schema: 'globex' })
  await expect(panel.at.duration).toContainText('ms')

  await panel.at.responseHeaders.locator('summary').click()
  await expect(panel.at.responseHeaders).toContainText('x-request-id')

  // A deeper name is a subdomain of the base domain: the label next to it names the tenant.
  await panel.preset('subdomain', 'globex')
  await expect(panel.at.host).toHaveValue(`app.globex.localhost:${port}`)
  await panel.expectResolved('globex', 200, 'subdomain')
  await expect(panel.at.resolvedVia).toHaveText('subdomain')
})

test('X-Tenant: initech on localhost reaches initech by header; a conflicting host and header get 400', async ({ consolePage, consoleServer }) => {
  const { port } = consoleServer
  const panel = new RequestsPanel(consolePage.page)
  await panel.open()

  await panel.sendRequest({ method: 'GET', host: `localhost:${port}`, path: '/api/tenant', headers: { 'X-Tenant': 'initech' } })
  await panel.expectResolved('initech', 200, 'header')
  await expect(panel.at.resolvedVia).toHaveText('X-Tenant header')
  expect(await panel.bodyJson()).toEqual({ name: 'Initech', schema: 'initech' })

  // The same through the scenario buttons: one click fills the form and sends it.
  await panel.preset('conflict', 'acme')
  await expect(panel.at.host).toHaveValue(`acme.localhost:${port}`)
  await expect.poll(() => panel.headers()).toEqual([['X-Tenant', 'globex']])
  await panel.expectRefused(400)
  await expect(panel.at.status).toHaveText('400 Bad Request')
  await expect(panel.at.resolved).toContainText('X-Tenant names "globex"')

  await panel.preset('unknown')
  await panel.expectRefused(404)

  await panel.preset('header', 'initech')
  await expect(panel.at.host).toHaveValue(`localhost:${port}`)
  await panel.expectResolved('initech', 200, 'header')
})

test('logs in as the demo user, then lists globex customers with the token', async ({ consolePage, consoleServer }) => {
  const { port } = consoleServer
  const panel = new RequestsPanel(consolePage.page)
  await panel.open()
  await expect(panel.at.useToken).toBeDisabled()

  await panel.preset('login', 'globex')
  await expect(panel.at.method).toHaveValue('POST')
  await expect(panel.at.host).toHaveValue(`globex.localhost:${port}`)
  await expect(panel.at.path).toHaveValue('/api/login')
  expect(JSON.parse(await panel.at.body.inputValue())).toEqual({ email: 'admin@globex.example', password: 'globex-demo' })
  await panel.expectResolved('globex', 200)
  const login = (await panel.bodyJson()) as { token: string }
  expect(login.token).toEqual(expect.any(String))
  await expect(panel.at.tokenInfo).toContainText('globex')

  // Without the token: 401.
  await panel.at.pathPick('/api/customers').click()
  await expect(panel.at.method).toHaveValue('GET')
  await panel.send()
  await panel.expectResolved('globex', 401)

  await panel.at.useToken.click()
  await expect.poll(() => panel.headers()).toEqual([['Authorization', `Bearer ${login.token}`]])
  await panel.send()
  await panel.expectResolved('globex', 200)
  const { customers } = (await panel.bodyJson()) as { customers: { name: string }[] }
  expect(customers.map((c) => c.name)).toEqual(['Hank Scorpio', 'Homer Simpson'])

  // The same token at acme: refused, bound to globex.
  await panel.fill({ host: `acme.localhost:${port}` })
  await panel.send()
  await panel.expectResolved('acme', 401)
})

test('a request made outside the panel appears in the live log', async ({ consolePage, consoleServer }) => {
  const { port } = consoleServer
  const panel = new RequestsPanel(consolePage.page)
  await panel.open()
  // The event channel is up, so what follows arrives live, not on a reload.
  await expect(consolePage.page.getByTestId('live-indicator')).toContainText('Live')

  const host = `acme.localhost:${port}`
  const answer = await curl(port, host, '/api/tenant?from=curl')
  expect(answer.status).toBe(200)
  expect(answer.body).toEqual({ name: 'Acme Corporation', schema: 'acme' })
  expect(answer.requestId).not.toBe('')

  const row = panel.at.logRow(answer.requestId)
  await expect(row).toBeVisible()
  await expect(panel.at.logRows.first()).toHaveAttribute('data-id', answer.requestId)
  await expect(row).toHaveAttribute('data-tenant', 'acme')
  await expect(row).toHaveAttribute('data-status', '200')
  await expect(row).toHaveAttribute('data-host', host)
  // The query string is not logged: it may carry anything.
  await expect(row).toHaveAttribute('data-path', '/api/tenant')
  await expect(row).toContainText('GET')

  // A refused one shows with no tenant.
  const unknown = await curl(port, `nobody-${randomBytes(3).toString('hex')}.localhost:${port}`, '/api/tenant')
  expect(unknown.status).toBe(404)
  await expect(panel.at.logRows.first()).toHaveAttribute('data-id', unknown.requestId)
  await expect(panel.at.logRows.first()).toHaveAttribute('data-tenant', '')
  await expect(panel.at.logRows.first()).toContainText('no tenant')
})
