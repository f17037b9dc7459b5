import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import type { ExportResult } from '../../contract/data-browser.ts'
import type { ErrorEnvelope } from '../../contract/types.ts'
import { createDispatcher } from '../../electron/main/handlers/dispatcher.ts'
import type { ContractServices } from '../../electron/main/handlers/handler-types.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { createSchemataServer, type SchemataServer } from '../../electron/main/server/index.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'
import { send } from '../fixtures/http-send.ts'

/*
 * Browser-mode exports over real HTTP: `data/export` checks the view and hands
 * back a one-time link on the console host; following it (with the console
 * token) streams the file from a database cursor. A million rows go through
 * with the server's memory growing by a fraction of the file's size.
 */

const TOKEN = 'console-token-for-export-tests-0123'
const ROWS = 1_000_000
const WINDOW = 'export-window'

let t: TestDatabase
let server: SchemataServer
let root: string

async function rpc<R>(name: string, input: unknown): Promise<{ ok: true; result: R } | { ok: false; error: ErrorEnvelope }> {
  const reply = await send(server.port, {
    method: 'POST',
    path: `/rpc/${name}`,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-schemata-window': WINDOW },
    body: JSON.stringify(input),
  })
  return reply.json as { ok: true; result: R } | { ok: false; error: ErrorEnvelope }
}

async function exportLink(input: Record<string, unknown>): Promise<string> {
  const outcome = await rpc<ExportResult>('data/export', input)
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
  if (outcome.result.kind !== 'download') throw new Error(`expected a download, got ${outcome.result.kind}`)
  return outcome.result.url
}

interface Streamed {
  status: number
  headers: Record<string, string | string[] | undefined>
  bytes: number
  lines: number
  first: string
  last: string
  /** Peak growth of this process's live JS heap plus buffers while the body streamed (sampled every MB). */
  peakGrowth: number
}

// A full collection before each reading, so what is measured is memory still held, not garbage not yet collected.
v8.setFlagsFromString('--expose-gc')
const collect = vm.runInNewContext('gc') as () => void

/** Live JS heap plus buffers of this process (the server and the client both run here). */
function liveBytes(): number {
  collect()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/** GETs a download and counts it as it arrives, keeping none of it (only the first and last line). */
function stream(url: string, headers: Record<string, string>): Promise<Streamed> {
  const baseline = liveBytes()
  let peak = baseline
  let nextSample = 1_000_000
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: url, headers: { host: `localhost:${server.port}`, ...headers }, agent: false }, (res) => {
      let bytes = 0
      let lines = 0
      let first = ''
      let tail = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk)
        if (bytes >= nextSample) {
          peak = Math.max(peak, liveBytes())
          nextSample += 1_000_000
        }
        for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines += 1
        if (first === '') first = chunk.slice(0, chunk.indexOf('\n'))
        tail = (tail + chunk).slice(-200)
      })
      res.on('error', reject)
      res.on('end', () => {
        const trimmed = tail.trimEnd()
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          bytes,
          lines,
          first: first.trimEnd(),
          last: trimmed.slice(trimmed.lastIndexOf('\n') + 1),
          peakGrowth: peak - baseline,
        })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  t = await createTestDatabase(inject('embeddedAdminUrl'))
  await t.tenancy.createTenant({ name: 'Acme', schema: 'acme' })
  await t.db.exec(`
    CREATE TABLE acme.events (id bigint PRIMARY KEY, kind text NOT NULL, note text);
    INSERT INTO acme.events SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3], CASE WHEN g % 10 = 0 THEN NULL ELSE 'event number ' || g END
      FROM generate_series(1, ${ROWS}) AS g;`)
  root = await mkdtemp(path.join(process.cwd(), '.test-data', 'export-http-'))
  await mkdir(path.join(root, 'renderer'), { recursive: true })
  await writeFile(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Schemata</title>')
  const sessions = new SessionStore()
  const services: ContractServices = { tenancy: t.tenancy, target: { mode: 'external', url: t.url }, sessions }
  server = await createSchemataServer({
    tenancy: t.tenancy,
    dispatch: createDispatcher(services),
    sessions,
    rendererDir: path.join(root, 'renderer'),
    port: 0,
    consoleToken: TOKEN,
  })
  services.exports = server.dataExports
  const switched = await rpc('tenants/switch', { schema: 'acme' })
  expect(switched.ok).toBe(true)
}, 300_000)

afterAll(async () => {
  await server?.close()
  await t?.drop()
  if (root) await rm(root, { recursive: true, force: true })
})

describe('data exports in browser mode', () => {
  it('stream 1,000,000 rows as a CSV download in bounded memory', { timeout: 300_000 }, async () => {
    const url = await exportLink({ tenant: 'acme', table: 'events', format: 'csv' })
    expect(url).toMatch(/^\/export\/[A-Za-z0-9_-]{24}$/)
    const file = await stream(url, { authorization: `Bearer ${TOKEN}` })
    expect(file.status).toBe(200)
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="acme-events-\d{8}-\d{6}\.csv"$/)
    expect(file.headers['cache-control']).toBe('no-store')
    expect(file.lines).toBe(ROWS + 1)
    expect(file.first).toBe('id,kind,note')
    expect(file.last).toBe(`${ROWS},${['a', 'b', 'c'][ROWS % 3]},`)
    expect(file.bytes).toBeGreaterThan(25_000_000)
    // Holding the file would take at least its size; streaming holds a few batches at a time.
    expect(file.peakGrowth).toBeLessThan(file.bytes / 4)
  })

  it('serve a link once, only with the console token', async () => {
    const url = await exportLink({ tenant: 'acme', table: 'events', format: 'json', filters: [{ column: 'id', op: 'le', value: '3' }] })
    const anonymous = await send(server.port, { path: url })
    expect(anonymous.status).toBe(401)
    // A refused request does not use the link up.
    const first = await send(server.port, { path: url, headers: { authorization: `Bearer ${TOKEN}` } })
    expect(first.status).toBe(200)
    expect(JSON.parse(first.text)).toEqual([
      { id: '1', kind: 'b', note: 'event number 1' },
      { id: '2', kind: 'c', note: 'event number 2' },
      { id: '3', kind: 'a', note: 'event number 3' },
    ])
    const again = await send(server.port, { path: url, headers: { authorization: `Bearer ${TOKEN}` } })
    expect(again.status).toBe(404)
    expect((again.json as { error: ErrorEnvelope }).error.message).toMatch(/expired or was used already/)
    const post = await send(server.port, { method: 'POST', path: '/export/whatever', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(post.status).toBe(405)
  })

  it('refuse a bad view before any link exists', async () => {
    const outcome = await rpc('data/export', { tenant: 'acme', table: 'events', format: 'csv', filters: [{ column: 'nope', op: 'eq', value: '1' }] })
    expect(outcome).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'filters.0.column' } })
  })
})
