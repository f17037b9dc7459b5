import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * `schemata sql` as a user runs it: the real binary, against a real
 * PostgreSQL through DATABASE_URL, logged in as a least-privilege admin. On
 * the built-in demo and on the helpdesk example (two tenant types).
 */

const BIN = resolve('bin/schemata.js')
const HELPDESK = resolve('examples/helpdesk')

interface Outcome {
  code: number
  stdout: string
  stderr: string
}

function schemata(args: string[], env: Record<string, string>, stdin?: string): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, SCHEMATA_DATA_DIR: '', SCHEMATA_CONFIG: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', fail)
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ code: code ?? -1, stdout, stderr })
    })
    child.stdin.end(stdin ?? '')
  })
}

describe('schemata sql on the built-in demo', () => {
  let t: TestDatabase
  let env: Record<string, string>
  let role: Record<string, string>

  beforeAll(async () => {
    t = await createTestDatabase(inject('embeddedAdminUrl'), { login: 'admin' })
    env = { DATABASE_URL: t.url }
    expect((await schemata(['demo'], env)).code).toBe(0)
    const rows = await t.db.rows<{ schema: string; role: string }>('SELECT schema, role FROM public.tenants')
    role = Object.fromEntries(rows.map((row) => [row.schema, row.role]))
  })
  afterAll(() => t?.drop())

  it('one tenant: an aligned table, as the tenant itself', async () => {
    const out = await schemata(['sql', '--schema', 'acme', "SELECT current_user AS who, count(*) AS customers, NULL::text AS nothing FROM customers"], env)
    expect(out).toMatchObject({ code: 0, stderr: '' })
    expect(out.stdout.split('\n')).toEqual([
      expect.stringMatching(/^\s+who\s+\|\s+customers\s+\|\s+nothing$/),
      expect.stringMatching(/^-+\+-+\+-+$/),
      expect.stringMatching(new RegExp(`^ ${role.acme}\\s+\\|\\s+3 \\| NULL$`)),
      '(1 row)',
      '',
    ])
  })

  it('--json is an array of row objects, --csv keeps NULL and "" apart; SQL from stdin and --file', async () => {
    const json = await schemata(['sql', '--schema', 'globex', '--json'], env, "SELECT name, 1.5::numeric AS n, true AS ok, '{\"a\":[1]}'::jsonb AS doc FROM customers ORDER BY name LIMIT 1")
    expect(json.code).toBe(0)
    const [row] = JSON.parse(json.stdout) as Record<string, unknown>[]
    expect(typeof row?.name).toBe('string')
    expect(row).toMatchObject({ n: 1.5, ok: true, doc: { a: [1] } })
    const dir = await mkdtemp(join(tmpdir(), 'sql-cli-'))
    try {
      const file = join(dir, 'q.sql')
      await writeFile(file, "-- a report\nSELECT NULL::text AS a, ''::text AS b, 'x,\"y\"' AS c;\n")
      const csv = await schemata(['sql', '--schema', 'acme', '--csv', '--file', file], env)
      expect(csv).toMatchObject({ code: 0, stdout: 'a,b,c\r\n,"","x,""y"""\r\n' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('every tenant: merged under a tenant column, a summary line on stderr', async () => {
    const out = await schemata(['sql', '--all', '--json', 'SELECT count(*) AS customers FROM customers'], env)
    expect(out.code).toBe(0)
    const rows = (JSON.parse(out.stdout) as { tenant: string; customers: number }[]).sort((a, b) => a.tenant.localeCompare(b.tenant))
    expect(rows.map((row) => row.tenant)).toEqual(['acme', 'globex', 'initech'])
    expect(out.stderr.trim().split('\n').pop()).toMatch(/^ran in 3 tenants: 3 ok \(\d+\.\d+ s\)$/)
    const some = await schemata(['sql', '--tenants', 'acme,initech', '--csv', 'SELECT 1 AS one'], env)
    expect(some.stdout.split('\r\n').slice(0, 1)).toEqual(['tenant,one'])
    expect(some.stdout.split('\r\n').slice(1, 3).sort()).toEqual(['acme,1', 'initech,1'])
  })

  it('a tenant that fails is reported with its SQLSTATE, the others go on, and the exit code is 1', async () => {
    const out = await schemata(['sql', '--all', "SELECT 10 / (CASE WHEN current_user LIKE '%globex' THEN 0 ELSE 1 END) AS ten"], env)
    expect(out.code).toBe(1)
    expect(out.stderr).toMatch(/^tenant globex: 22012 division by zero$/m)
    expect(out.stderr.trim().split('\n').pop()).toMatch(/^ran in 3 tenants: 2 ok, 1 failed/)
    expect(out.stdout).toMatch(/acme\s+\|\s+10/)
    expect(out.stdout).toMatch(/initech\s+\|\s+10/)
    expect(out.stdout).not.toMatch(/globex/)
  })

  it('--write runs one transaction per tenant and reports each; without it nothing is written', async () => {
    const sql = "UPDATE customers SET name = name || '' WHERE id = 1"
    const readOnly = await schemata(['sql', '--all', sql], env)
    expect(readOnly.code).toBe(1)
    expect(readOnly.stderr).toMatch(/^tenant acme: 25006 cannot execute UPDATE in a read-only transaction; hint: statements are read-only unless --write is given$/m)
    const written = await schemata(['sql', '--all', '--write', '--json', sql], env)
    expect(written.code).toBe(0)
    expect((JSON.parse(written.stdout) as unknown[]).length).toBe(3)
    expect(JSON.parse(written.stdout)).toContainEqual({ tenant: 'acme', command: 'UPDATE', rows: 1 })
  })

  it.each([
    [['sql', '--schema', 'acme', 'SELECT 1; SELECT 2'], /^sql: holds 2 statements where one is expected: statement 2 starts at line 1, column 11 \("SELECT 2"\)/],
    [['sql', '--schema', 'acme', '   '], /^sql: is empty/],
    [['sql', '--schema', 'acmee', 'SELECT 1'], /^schema: no tenant with schema "acmee" \(did you mean "acme"\?\)/],
    [['sql', '--tenants', 'acme,globx', 'SELECT 1'], /^tenants: no tenant with schema "globx" \(did you mean "globex"\?\)/],
    [['sql', '--type', 'enterprise', 'SELECT 1'], /^type: "enterprise" is not a tenant type of this project \(standard\)/],
    [['sql', '--all', '--where', 'colour=red', 'SELECT 1'], /^where: "colour" is not a tenant field/],
    [['sql', '--schema', 'acme', '--timeout', 'soon', 'SELECT 1'], /^timeout: --timeout must be a duration/],
    [['sql', '--schema', 'acme', '--json', '--csv', 'SELECT 1'], /^json: --json and --csv cannot be combined/],
    [['sql', 'SELECT 1'], /^schema: choose where to run/],
  ])('invalid input %j: exit 2, one line naming the field, nothing run', async (args, message) => {
    const out = await schemata(args, env)
    expect(out.code).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.stderr).toMatch(message)
  })

  it('a statement PostgreSQL refuses: exit 1, SQLSTATE and message on one stderr line, with where in the input', async () => {
    const out = await schemata(['sql', '--schema', 'acme'], env, '-- a comment\nSELECT * FORM customers')
    expect(out.code).toBe(1)
    expect(out.stderr).toBe('error: 42601 syntax error at or near "FORM" (at line 2, column 10)\n')
    const slow = await schemata(['sql', '--schema', 'acme', '--timeout', '300ms', 'SELECT pg_sleep(5)'], env)
    expect(slow.code).toBe(1)
    expect(slow.stderr).toMatch(/^error: 57014 acme: the statement ran longer than 300 ms and was stopped$/m)
  })

  it.each([
    ['RESET ROLE, then read another tenant', 'DO $$BEGIN RESET ROLE; PERFORM * FROM globex.customers; END$$', '42501'],
    ['SET ROLE to another tenant', () => `SET ROLE ${quoteIdent(role.globex as string)}`, '42501'],
    ['SET ROLE to the app login', () => `SET ROLE ${quoteIdent(t.login)}`, '42501'],
    ['SET SESSION AUTHORIZATION', () => `SET SESSION AUTHORIZATION ${quoteIdent(t.login)}`, '42501'],
    ["set_config('role', …)", () => `SELECT set_config('role', '${t.login}', false)`, '42501'],
    ["set_config('search_path', …) then another tenant's table", "DO $$BEGIN PERFORM set_config('search_path', 'globex', true); PERFORM * FROM globex.customers; END$$", '42501'],
    ['reading public.tenants', 'SELECT * FROM public.tenants', '42501'],
    ['reading the ledger', 'SELECT * FROM public.tenant_migrations', '42501'],
    ['COPY … TO PROGRAM', "COPY (SELECT 1) TO PROGRAM 'id'", '42501'],
    ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", '42501'],
  ])('refuses through the CLI: %s', async (_label, sql, sqlState) => {
    const text = typeof sql === 'function' ? sql() : sql
    const out = await schemata(['sql', '--schema', 'acme', text], env)
    expect(out.code).toBe(1)
    expect(out.stderr).toMatch(new RegExp(`^error: ${sqlState} `))
  })

  it('CREATE TEMP TABLE shadowing a tenant table is refused even with --write', async () => {
    const out = await schemata(['sql', '--schema', 'acme', '--write', 'CREATE TEMP TABLE customers (id int)'], env)
    expect(out.code).toBe(1)
    expect(out.stderr).toMatch(/^error: 42501 permission denied/)
  })

  it('--help says how, with exit 0', async () => {
    const out = await schemata(['sql', '--help'], env)
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/^usage: schemata sql --schema SCHEMA/)
    expect(out.stdout).toMatch(/--concurrency N/)
  })
})

describe('schemata sql on the helpdesk example (two tenant types, shared plans)', () => {
  let t: TestDatabase
  let env: Record<string, string>

  beforeAll(async () => {
    const project = await loadProject(join(HELPDESK, 'schemata.config.json'))
    t = await createTestDatabase(inject('embeddedAdminUrl'), { login: 'admin', project })
    env = { DATABASE_URL: t.url, SCHEMATA_CONFIG: HELPDESK }
    for (const [schema, type] of [
      ['northwind', 'standard'],
      ['contoso', 'enterprise'],
      ['fabrikam', 'enterprise'],
    ] as const) {
      const out = await schemata(['tenant', 'create', '--name', schema, '--schema', schema, '--type', type], env)
      expect(out.code, out.stderr).toBe(0)
    }
  })
  afterAll(() => t?.drop())

  it('--type runs in the tenants of that type only; --where narrows --all', async () => {
    const audit = await schemata(['sql', '--type', 'enterprise', '--json', 'SELECT count(*) AS entries FROM audit_log'], env)
    expect(audit.code, audit.stderr).toBe(0)
    expect((JSON.parse(audit.stdout) as { tenant: string }[]).map((row) => row.tenant).sort()).toEqual(['contoso', 'fabrikam'])
    const tickets = await schemata(['sql', '--all', '--json', 'SELECT count(*) AS tickets FROM tickets'], env)
    expect(tickets.code, tickets.stderr).toBe(0)
    expect(JSON.parse(tickets.stdout)).toHaveLength(3)
    const narrowed = await schemata(['sql', '--all', '--where', 'type=standard', '--csv', 'SELECT 1 AS one'], env)
    expect(narrowed.stdout).toBe('tenant,one\r\nnorthwind,1\r\n')
  })

  it('a table only one type has fails in the others, each reported, and the rest is merged', async () => {
    const out = await schemata(['sql', '--all', 'SELECT count(*) AS entries FROM audit_log'], env)
    expect(out.code).toBe(1)
    expect(out.stderr).toMatch(/^tenant northwind: 42P01 relation "audit_log" does not exist/m)
    expect(out.stdout).toMatch(/contoso/)
  })

  it('--write inserts a ticket in each tenant, in its own transaction, and cannot write the shared plans', async () => {
    const out = await schemata(['sql', '--all', '--write', "INSERT INTO tickets (subject, requester_email) VALUES ('from the console', 'someone@example.com')"], env)
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/northwind\s+\|\s+INSERT\s+\|\s+1/)
    const shared = await schemata(['sql', '--schema', 'contoso', '--write', "UPDATE plans SET name = name WHERE false"], env)
    expect(shared.code).toBe(1)
    expect(shared.stderr).toMatch(/^error: 42501 permission denied for table plans/)
  })
})
