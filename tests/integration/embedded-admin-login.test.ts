import { readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_LOGIN } from '../../electron/main/db/admin-login.ts'
import { Database } from '../../electron/main/db/database.ts'
import { embeddedSuperuserUrl, startEmbedded, stopEmbedded, type EmbeddedConnection } from '../../electron/main/db/embedded-server.ts'
import { quoteIdent } from '../../electron/main/db/sql.ts'
import { runDoctor } from '../../electron/main/doctor/doctor.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { demoProject } from '../fixtures/demo-project.ts'
import { withPgClient } from '../fixtures/pg-client.ts'

/*
 * Issue 10, item 2: the app's day-to-day login is not a superuser on the
 * embedded server either. A fresh data dir gets an admin login with
 * CREATEROLE that owns the app's database; a data dir of an earlier version —
 * everything owned by the superuser, credentials.json holding only it — is
 * upgraded on its next start, and everything keeps working as the admin.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const dataDir = path.join(repoRoot, '.test-data', `embedded-admin-${process.pid}`)

async function openTenancy(url: string): Promise<Tenancy> {
  const tenancy = new Tenancy(new Database({ url, mode: 'embedded', dataDir, poolMax: 2 }), { project: demoProject })
  await tenancy.migrate()
  return tenancy
}

/** Who owns what the app made: every app schema, table, sequence, view and function, and the database. */
async function ownersOfAppObjects(url: string): Promise<string[]> {
  return withPgClient(url, async (client) => {
    const { rows } = await client.query<{ owner: string }>(`
      SELECT DISTINCT owner FROM (
        SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN (SELECT schema FROM public.tenants)
        UNION ALL SELECT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.relkind IN ('r', 'S', 'v') AND (n.nspname = 'public' OR n.nspname IN (SELECT schema FROM public.tenants))
        UNION ALL SELECT pg_get_userbyid(p.proowner) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
        UNION ALL SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()
      ) o ORDER BY 1`)
    return rows.map((row) => row.owner)
  })
}

describe('the embedded server runs the app as a least-privilege admin login', () => {
  let server: EmbeddedConnection

  beforeAll(async () => {
    server = await startEmbedded({ dataDir })
  })
  afterAll(async () => {
    await stopEmbedded(dataDir).catch(() => false)
    await rm(dataDir, { recursive: true, force: true })
  })

  it('connects as the admin login: not a superuser, CREATEROLE, owner of the database', async () => {
    expect(server.user).toBe(ADMIN_LOGIN)
    expect(new URL(server.url).username).toBe(ADMIN_LOGIN)
    const facts = await withPgClient(server.url, async (client) => {
      const { rows } = await client.query<{ su: boolean; cr: boolean; cdb: boolean; owner: string; me: string }>(
        `SELECT r.rolsuper AS su, r.rolcreaterole AS cr, r.rolcreatedb AS cdb, pg_get_userbyid(d.datdba) AS owner, current_user AS me
           FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
      )
      return rows[0]
    })
    expect(facts).toEqual({ su: false, cr: true, cdb: false, owner: ADMIN_LOGIN, me: ADMIN_LOGIN })
  })

  it('keeps its password in admin-login.json (0600), apart from the superuser in credentials.json', async () => {
    const admin = JSON.parse(await readFile(path.join(dataDir, 'admin-login.json'), 'utf8')) as { user: string; password: string }
    const superuser = JSON.parse(await readFile(path.join(dataDir, 'credentials.json'), 'utf8')) as { user: string; password: string }
    expect(admin).toEqual({ user: ADMIN_LOGIN, password: server.password })
    expect(superuser.user).toBe('postgres')
    expect(superuser.password).not.toBe(admin.password)
    expect((await stat(path.join(dataDir, 'admin-login.json'))).mode & 0o777).toBe(0o600)
  })

  it('a scope body that leaves the scope with RESET ROLE still cannot run programs or read server files', async () => {
    const tenancy = await openTenancy(server.url)
    try {
      await tenancy.createTenant({ name: 'Acme', schema: 'acme' })
      const attempt = (sql: string): Promise<string> =>
        tenancy
          .withTenant('acme', async (scope) => {
            await scope.query('RESET ROLE')
            await scope.query(sql)
            return 'ran'
          })
          .catch((error: unknown) => String((error as { parent?: { code?: string } }).parent?.code ?? (error as { code?: string }).code))
      expect(await attempt("COPY (SELECT 1) TO PROGRAM 'true'")).toBe('42501')
      expect(await attempt("SELECT pg_read_file('/etc/passwd')")).toBe('42501')
      expect(await attempt('ALTER ROLE CURRENT_USER SUPERUSER')).toBe('42501')
    } finally {
      await tenancy.close()
    }
  })
})

describe('a data directory made by an earlier version (everything owned by the superuser) upgrades on its own', () => {
  const oldDir = `${dataDir}-old`
  let superuserUrl: string

  beforeAll(async () => {
    // Make the state an earlier version left: tenants created by the superuser login, credentials.json with the
    // superuser only, no admin login, TEMP still granted to PUBLIC and shared migration 0006 not yet applied.
    await startEmbedded({ dataDir: oldDir })
    superuserUrl = await embeddedSuperuserUrl(oldDir)
    const old = await openTenancy(superuserUrl)
    try {
      await withPgClient(superuserUrl, (client) =>
        client.query(`
          REASSIGN OWNED BY ${quoteIdent(ADMIN_LOGIN)} TO postgres;
          ALTER DATABASE schemata OWNER TO postgres;`),
      )
      for (const schema of ['acme', 'globex']) {
        await old.createTenant({ name: schema, schema })
        await old.withTenant(schema, () => old.models.Customer.create({ name: `${schema}-kept`, email: `k@${schema}.example` }))
      }
    } finally {
      await old.close()
    }
    await withPgClient(superuserUrl, (client) =>
      client.query(`
        DROP OWNED BY ${quoteIdent(ADMIN_LOGIN)};
        DROP ROLE ${quoteIdent(ADMIN_LOGIN)};
        GRANT TEMPORARY ON DATABASE schemata TO PUBLIC;
        DELETE FROM public.schemata_migrations WHERE name = '0006_no_temp_for_tenants';`),
    )
    await rm(path.join(oldDir, 'admin-login.json'))
    expect(await ownersOfAppObjects(superuserUrl)).toEqual(['postgres'])
    await stopEmbedded(oldDir)
  })
  afterAll(async () => {
    await stopEmbedded(oldDir).catch(() => false)
    await rm(oldDir, { recursive: true, force: true })
  })

  it('hands the database and everything in it to the admin login, which then runs the app', async () => {
    const server = await startEmbedded({ dataDir: oldDir })
    expect(server.user).toBe(ADMIN_LOGIN)
    expect(await ownersOfAppObjects(superuserUrl)).toEqual([ADMIN_LOGIN])

    const tenancy = await openTenancy(server.url)
    try {
      // Old tenants: readable in their scope, writable, and still walled off from each other.
      expect(await tenancy.withTenant('acme', () => tenancy.models.Customer.findAll()).then((rows) => rows.map((r) => r.name))).toEqual([
        'acme-kept',
      ])
      await tenancy.withTenant('globex', () => tenancy.models.Customer.create({ name: 'globex-new', email: 'n@globex.example' }))
      const crossRead = await tenancy.withTenant('acme', (scope) => scope.query('SELECT * FROM globex.customers')).catch((e: unknown) => e)
      expect(String((crossRead as Error).message)).toMatch(/permission denied/)
      // New tenants get the default grants from the admin's own default privileges (a table made later is reachable).
      await tenancy.createTenant({ name: 'Initech', schema: 'initech' })
      expect(await tenancy.withTenant('initech', () => tenancy.models.Customer.count())).toBe(0)
      // An old tenant's role, created by the superuser, can be dropped by the admin.
      await tenancy.dropTenant('globex')
      // The shared migration of this version ran as the admin: no TEMP for tenant roles any more.
      const [temp] = await tenancy.db.rows<{ temp: boolean }>(
        "SELECT has_database_privilege((SELECT role FROM public.tenants WHERE schema = 'acme'), current_database(), 'TEMP') AS temp",
      )
      expect(temp?.temp).toBe(false)
      const report = await runDoctor(tenancy)
      expect(report.findings).toEqual([])
    } finally {
      await tenancy.close()
    }
  })

  it('a second start has nothing left to hand over and keeps the same login', async () => {
    const before = JSON.parse(await readFile(path.join(oldDir, 'admin-login.json'), 'utf8')) as { password: string }
    await stopEmbedded(oldDir)
    const server = await startEmbedded({ dataDir: oldDir })
    expect(server.password).toBe(before.password)
    expect(await ownersOfAppObjects(superuserUrl.replace(/:\d+\//, `:${server.port}/`))).toEqual([ADMIN_LOGIN])
  })
})
