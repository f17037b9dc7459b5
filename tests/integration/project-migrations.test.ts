import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { runDoctor } from '../../electron/main/doctor/doctor.ts'
import { ChangedMigrationError } from '../../electron/main/migrations/checksums.ts'
import { migrationChecksum } from '../../electron/main/project/migration-folder.ts'
import { loadProject } from '../../electron/main/project/load-project.ts'
import type { Project } from '../../electron/main/project/project.ts'
import { Tenancy } from '../../electron/main/tenancy/service.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * A project's own migrations on a real PostgreSQL: the helpdesk example (a
 * copy, so files can be edited), its two tenant types, and the checksums the
 * ledgers keep of every applied migration file.
 */

let dir: string
let t: TestDatabase
let project: Project

const file = (relative: string): string => path.join(dir, relative)
const load = (): Promise<Project> => loadProject(file('schemata.config.json'))
const tenancyOf = (p: Project): Tenancy => new Tenancy(t.db, { project: p })

async function tables(schema: string): Promise<string[]> {
  const rows = await t.db.rows<{ name: string }>('SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema])
  return rows.map((row) => row.name)
}

async function ledgers(schema: string): Promise<{ own: [string, string | null][]; central: [string, string | null][] }> {
  const own = await t.db.rows<{ name: string; checksum: string | null }>(`SELECT name, checksum FROM "${schema}".schemata_migrations ORDER BY name`)
  const central = await t.db.rows<{ name: string; checksum: string | null }>(
    'SELECT name, checksum FROM public.tenant_migrations WHERE schema = $1 ORDER BY name',
    [schema],
  )
  return { own: own.map((r) => [r.name, r.checksum]), central: central.map((r) => [r.name, r.checksum]) }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'schemata-helpdesk-'))
  cpSync(path.resolve('examples/helpdesk'), dir, { recursive: true })
  project = await load()
  t = await createTestDatabase(inject('embeddedAdminUrl'), { project })
  await t.tenancy.createTenant({ name: 'Acme Support', schema: 'acme' })
  await t.tenancy.createTenant({ name: 'Globex Support', schema: 'globex', type: 'enterprise' })
  await t.tenancy.createTenant({ name: 'Initech Support', schema: 'initech', type: 'standard' })
})

afterAll(async () => {
  await t?.drop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('tenant types', () => {
  it('each tenant gets its own type’s migrations: enterprise adds the audit log', async () => {
    expect(await tables('acme')).toEqual(['agents', 'comments', 'schemata_migrations', 'subscription', 'tickets'])
    expect(await tables('globex')).toEqual(['agents', 'audit_log', 'comments', 'schemata_migrations', 'subscription', 'tickets'])
    // The enterprise trigger writes the tenant's own audit log, inside the tenant's scope.
    await t.tenancy.withTenant('globex', (scope) => scope.query("INSERT INTO tickets (subject, requester_email) VALUES ('Printer on fire', 'moss@example.com')"))
    const [entry] = await t.db.rows<{ action: string; actor: string }>('SELECT action, actor FROM globex.audit_log')
    expect(entry?.action).toBe('insert')
    expect(entry?.actor).toMatch(/^tenant_[0-9a-f]{6}_globex$/)
  })

  it('the registry and the list know each tenant’s type; nothing is pending for either type', async () => {
    const list = await t.tenancy.listTenants()
    expect(list.map((x) => [x.schema, x.type, x.pendingMigrations])).toEqual([
      ['acme', 'standard', []],
      ['globex', 'enterprise', []],
      ['initech', 'standard', []],
    ])
    expect(list.find((x) => x.schema === 'globex')?.appliedMigrations).toBe(5)
    expect(await t.tenancy.tenantsBehind()).toEqual([])
  })

  it('refuses a type the project does not declare, creating nothing', async () => {
    const error = await t.tenancy.createTenant({ name: 'Hooli', schema: 'hooli', type: 'premium' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as InvalidInputError).field).toBe('type')
    expect((error as Error).message).toBe('type: "premium" is not a tenant type of this project (one of "standard", "enterprise")')
    const [schema] = await t.db.rows("SELECT 1 FROM pg_namespace WHERE nspname = 'hooli'")
    expect(schema).toBeUndefined()
  })

  it('a fleet migration applies each tenant its own type’s new migrations, one round of the run', async () => {
    writeFileSync(file('migrations/enterprise/1002_audit_retention.sql'), '-- migrate:up\nALTER TABLE audit_log ADD COLUMN keep_until date;\n-- migrate:down\nALTER TABLE audit_log DROP COLUMN keep_until;\n')
    writeFileSync(file('migrations/tenant/0005_ticket_due.sql'), '-- migrate:up\nALTER TABLE tickets ADD COLUMN due_at timestamptz;\n-- migrate:down\nALTER TABLE tickets DROP COLUMN due_at;\n')
    project = await load()
    const next = tenancyOf(project)
    expect((await next.tenantsBehind()).map((x) => [x.schema, x.pending])).toEqual([
      ['acme', ['0005_ticket_due']],
      ['globex', ['0005_ticket_due', '1002_audit_retention']],
      ['initech', ['0005_ticket_due']],
    ])
    const report = await next.migrate({ tenant: true })
    expect(report.tenants.map((x) => [x.schema, x.applied])).toEqual([
      ['acme', ['0005_ticket_due']],
      ['globex', ['0005_ticket_due', '1002_audit_retention']],
      ['initech', ['0005_ticket_due']],
    ])
    const [column] = await t.db.rows("SELECT 1 FROM information_schema.columns WHERE table_schema = 'acme' AND table_name = 'audit_log'")
    expect(column).toBeUndefined()
  })

  it('a tenant whose type the project no longer declares fails alone; the others migrate', async () => {
    const onlyStandard = tenancyOf({ ...project, tenantTypes: project.tenantTypes.filter((type) => type.name === 'standard') })
    const report = await onlyStandard.migrate({ tenant: true })
    expect(report.tenants.find((x) => x.schema === 'globex')).toMatchObject({
      status: 'failed',
      message: 'tenant type "enterprise" is not declared in this project (its types: standard)',
    })
    expect(report.counts).toMatchObject({ total: 3, failed: 1, upToDate: 2 })
  })
})

describe('changing a tenant’s type', () => {
  it('standard → enterprise applies what enterprise adds, in one transaction; back reverts it, newest first', async () => {
    const tenancy = tenancyOf(project)
    const up = await tenancy.changeTenantType('initech', 'enterprise')
    expect(up).toEqual({ schema: 'initech', from: 'standard', to: 'enterprise', reverted: [], applied: ['1001_create_audit_log', '1002_audit_retention'] })
    expect(await tables('initech')).toContain('audit_log')
    expect((await t.tenancy.getTenant('initech')).type).toBe('enterprise')
    const { own, central } = await ledgers('initech')
    expect(own.map(([name]) => name)).toContain('1002_audit_retention')
    expect(own).toEqual(central)

    const down = await tenancy.changeTenantType('initech', 'standard')
    expect(down).toMatchObject({ from: 'enterprise', to: 'standard', reverted: ['1002_audit_retention', '1001_create_audit_log'], applied: [] })
    expect(await tables('initech')).not.toContain('audit_log')
    expect((await ledgers('initech')).central.map(([name]) => name)).not.toContain('1001_create_audit_log')
    expect(await tenancy.changeTenantType('initech', 'standard')).toMatchObject({ reverted: [], applied: [] })
  })

  it('refuses a change that would revert a migration without a down section, changing nothing', async () => {
    writeFileSync(file('migrations/enterprise/1003_audit_view.sql'), '-- migrate:up\nCREATE VIEW recent_audit AS SELECT * FROM audit_log;\n')
    project = await load()
    const tenancy = tenancyOf(project)
    await tenancy.migrate({ tenant: true })
    const before = await tables('globex')
    const error = await tenancy.changeTenantType('globex', 'standard').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as Error).message).toMatch(/^type: changing "globex" from "enterprise" to "standard" reverts 1003_audit_view, which has no down section \(.*migrations\/enterprise\/1003_audit_view\.sql\)$/)
    expect(await tables('globex')).toEqual(before)
    expect((await t.tenancy.getTenant('globex')).type).toBe('enterprise')
    await expect(tenancy.changeTenantType('globex', 'gold')).rejects.toThrow(/^type: "gold" is not a tenant type of this project/)
    await expect(tenancy.changeTenantType('nobody', 'standard')).rejects.toThrow(/no tenant with schema "nobody"/)
  })
})

describe('checksums', () => {
  it('both ledgers record each applied migration with its file’s checksum', async () => {
    const { own, central } = await ledgers('globex')
    expect(own).toEqual(central)
    const audit = project.tenantTypes[1]?.migrations.find((m) => m.name === '1001_create_audit_log')
    expect(own).toContainEqual(['1001_create_audit_log', audit?.checksum])
    expect(audit?.checksum).toBe(migrationChecksum(readFileSync(file('migrations/enterprise/1001_create_audit_log.sql'), 'utf8')))
    const shared = await t.db.rows<{ name: string; checksum: string | null }>("SELECT name, checksum FROM public.schemata_migrations WHERE name = '0001_create_plans'")
    expect(shared[0]?.checksum).toBe(project.shared[0]?.checksum)
  })

  it('an applied migration whose file changed is refused, naming the file and a tenant, and nothing runs', async () => {
    writeFileSync(file('migrations/tenant/0006_ticket_source.sql'), '-- migrate:up\nALTER TABLE tickets ADD COLUMN source text;\n')
    const agents = file('migrations/tenant/0001_create_agents.sql')
    const original = readFileSync(agents, 'utf8')
    writeFileSync(agents, original.replace("DEFAULT 'agent'", "DEFAULT 'lead'"))
    project = await load()
    const error = await tenancyOf(project)
      .migrate()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChangedMigrationError)
    expect((error as Error).message).toMatch(
      /^.*migrations\/tenant\/0001_create_agents\.sql: changed since it was applied to tenant "acme" \(and 2 other tenants\); restore the file, or run "schemata migrate --repair-checksums" if the change is deliberate$/,
    )
    expect((error as ChangedMigrationError).code).toBe('INVALID_INPUT')
    // The pending 0006 was not applied anywhere.
    const [source] = await t.db.rows("SELECT 1 FROM information_schema.columns WHERE column_name = 'source' AND table_name = 'tickets'")
    expect(source).toBeUndefined()

    // Restoring the file is enough.
    writeFileSync(agents, original)
    project = await load()
    const report = await tenancyOf(project).migrate({ tenant: true })
    expect(report.counts).toMatchObject({ migrated: 3, failed: 0 })
  })

  it('a changed shared migration is refused too', async () => {
    const plans = file('migrations/shared/0001_create_plans.sql')
    const original = readFileSync(plans, 'utf8')
    writeFileSync(plans, original.replace("('free', 'Free', 2, 0, 72)", "('free', 'Free', 3, 0, 72)"))
    try {
      const error = await tenancyOf(await load())
        .migrate({ shared: true })
        .catch((e: unknown) => e)
      expect((error as Error).message).toMatch(/migrations\/shared\/0001_create_plans\.sql: changed since it was applied to public \(a shared migration\)/)
    } finally {
      writeFileSync(plans, original)
    }
  })

  it('--repair-checksums accepts a deliberate change: both ledgers take the file’s checksum, and migrate goes on', async () => {
    const agents = file('migrations/tenant/0001_create_agents.sql')
    const original = readFileSync(agents, 'utf8')
    writeFileSync(agents, `${original}\n-- Reviewed: the default role stays 'agent'.\n`)
    project = await load()
    const edited = project.tenantTypes[0]?.migrations[0]?.checksum
    const tenancy = tenancyOf(project)
    await expect(tenancy.migrate({ tenant: true })).rejects.toBeInstanceOf(ChangedMigrationError)
    const only = await tenancy.repairChecksums({ schema: 'acme' })
    expect(only.repaired).toEqual([{ schema: 'acme', names: ['0001_create_agents'] }])
    await expect(tenancy.migrate({ tenant: true })).rejects.toThrow(/applied to tenant "globex" \(and 1 other tenant\)/)
    const all = await tenancy.repairChecksums()
    expect(all.repaired.map((r) => r.schema)).toEqual(['globex', 'initech'])
    for (const schema of ['acme', 'globex', 'initech']) {
      const { own, central } = await ledgers(schema)
      expect(own.find(([name]) => name === '0001_create_agents')?.[1]).toBe(edited)
      expect(central.find(([name]) => name === '0001_create_agents')?.[1]).toBe(edited)
    }
    expect((await tenancy.migrate()).counts.failed).toBe(0)
    expect((await tenancy.repairChecksums()).repaired).toEqual([])
  })

  it('rows recorded before checksums existed get the current file’s checksum on the next migrate', async () => {
    await t.db.exec("UPDATE acme.schemata_migrations SET checksum = NULL WHERE name = '0002_create_tickets'")
    await t.db.exec("UPDATE public.tenant_migrations SET checksum = NULL WHERE schema = 'acme' AND name = '0002_create_tickets'")
    await t.db.exec("UPDATE public.schemata_migrations SET checksum = NULL WHERE name = '0001_create_plans'")
    await tenancyOf(project).migrate()
    const expected = project.tenantTypes[0]?.migrations.find((m) => m.name === '0002_create_tickets')?.checksum
    const { own, central } = await ledgers('acme')
    expect(own.find(([name]) => name === '0002_create_tickets')?.[1]).toBe(expected)
    expect(central.find(([name]) => name === '0002_create_tickets')?.[1]).toBe(expected)
    const [plans] = await t.db.rows<{ checksum: string }>("SELECT checksum FROM public.schemata_migrations WHERE name = '0001_create_plans'")
    expect(plans?.checksum).toBe(project.shared[0]?.checksum)
  })
})

describe('doctor', () => {
  it('checks each tenant against its own type: healthy as migrated', async () => {
    const report = await runDoctor(tenancyOf(project))
    expect(report.findings).toEqual([])
    expect(report.healthy).toBe(true)
  })

  it('reports a changed migration file per tenant, and ledgers that disagree', async () => {
    const tickets = file('migrations/tenant/0002_create_tickets.sql')
    const original = readFileSync(tickets, 'utf8')
    writeFileSync(tickets, original.replace("'urgent'", "'urgent', 'critical'"))
    try {
      await t.db.exec("UPDATE globex.schemata_migrations SET checksum = repeat('0', 64) WHERE name = '0001_create_agents'")
      const report = await runDoctor(tenancyOf(await load()))
      const changed = report.findings.filter((f) => f.check === 'migration-changed').map((f) => f.schema)
      expect(changed).toEqual(['acme', 'globex', 'initech'])
      expect(report.findings.find((f) => f.check === 'migration-changed')?.message).toMatch(/migrations\/tenant\/0002_create_tickets\.sql changed since it was applied to "acme".*migrate --repair-checksums/)
      expect(report.findings.filter((f) => f.check === 'checksum-mismatch').map((f) => [f.schema, f.fixable])).toEqual([['globex', false]])
    } finally {
      writeFileSync(tickets, original)
      await t.db.exec("UPDATE globex.schemata_migrations o SET checksum = c.checksum FROM public.tenant_migrations c WHERE c.schema = 'globex' AND c.name = o.name")
    }
  })

  it('reports a tenant of a type the project does not declare', async () => {
    const onlyStandard = tenancyOf({ ...project, tenantTypes: project.tenantTypes.filter((type) => type.name === 'standard') })
    const report = await runDoctor(onlyStandard)
    expect(report.findings.map((f) => [f.schema, f.check])).toEqual([['globex', 'unknown-type']])
  })
})
