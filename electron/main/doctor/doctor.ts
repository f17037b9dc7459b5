import { pendingSharedMigrations } from '../migrations/migrate-schemas.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { auditChecksums } from '../migrations/checksums.ts'
import { checkDatabase, sharedChecksumFindings } from './checks.ts'
import { citusReadiness } from './citus-readiness.ts'
import { type DiagnosedFinding, type Finding, type Repair, findingKey, publicFinding } from './findings.ts'
import { inspectDatabase, registryPresent } from './inspect.ts'
import { ReferenceShapes } from './reference-shape.ts'
import { REPAIR_ORDER, applyRepair } from './repairs.ts'

export type { Finding } from './findings.ts'

/** What the doctor found (and, with `fix`, what is left). */
export interface DoctorReport {
  /** No finding remains. */
  healthy: boolean
  findings: Finding[]
  /** Registered tenants looked at. */
  tenants: number
  /** With `citus`: the `public` tables tenant tables reference (to become Citus reference tables). */
  citusReferenceTables?: string[]
}

export interface Diagnosis {
  findings: DiagnosedFinding[]
  tenants: number
  citusReferenceTables?: string[]
}

export interface DoctorOptions {
  /** Repair what is safe to repair, then check again. */
  fix?: boolean
  /** Also check the Citus schema-based sharding rules (citus-readiness.ts). */
  citus?: boolean
  /** A human-readable line per repair step. */
  onProgress?: (line: string) => void
}

/**
 * Checks every invariant of the tenancy against the database, changing
 * nothing: registry ↔ schemas ↔ roles, grants, both ledgers, orphans, and each
 * tenant's tables against a freshly migrated reference schema.
 */
export async function diagnose(tenancy: Tenancy, options: { citus?: boolean } = {}): Promise<Diagnosis> {
  const { db } = tenancy
  const findings: DiagnosedFinding[] = []
  const sharedPending = await pendingSharedMigrations(db, tenancy.migrations)
  if (sharedPending.length > 0) {
    findings.push({
      schema: 'public',
      check: 'shared-migrations',
      subject: sharedPending.join(','),
      severity: 'error',
      message: `shared migration(s) ${sharedPending.join(', ')} not applied to public: the registry or the central ledger is missing or out of date, and tenant commands may fail`,
      fixable: true,
      repair: { kind: 'migrate-shared' },
    })
  }
  const shared = await auditChecksums(db, tenancy.migrations.shared, new Map(), { tenants: false })
  findings.push(...sharedChecksumFindings(shared.changed))
  if (!(await registryPresent(db))) return { findings, tenants: 0 }
  const facts = await inspectDatabase(db)
  findings.push(
    ...(await checkDatabase(facts, { byType: tenancy.migrations.types, defaultType: tenancy.migrations.defaultType }, new ReferenceShapes(db), db.databaseName)),
  )
  if (!options.citus) return { findings, tenants: facts.tenants.length }
  const citus = await citusReadiness(db)
  return { findings: [...findings, ...citus.findings], tenants: facts.tenants.length, citusReferenceTables: citus.referenceTables }
}

function describeRepair(repair: Repair): string {
  switch (repair.kind) {
    case 'sql':
      return `${repair.schema}: ${repair.sql}`
    case 'create-role':
      return `${repair.schema}: recreating role ${repair.role} with its grants`
    case 'record-central':
      return `${repair.schema}: recording ${repair.names.join(', ')} in public.tenant_migrations`
    case 'migrate-tenant':
      return `${repair.schema}: applying pending migrations`
    case 'migrate-shared':
      return 'public: applying shared migrations'
    case 'drop-orphan-role':
      return `dropping orphan role ${repair.role}`
    case 'drop-orphan-schema':
      return `dropping empty orphan schema ${repair.schema}${repair.role ? ` and role ${repair.role}` : ''}`
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Applies the repairs of `findings` in a safe order; returns why each failed one failed, by finding key. */
async function repairAll(tenancy: Tenancy, findings: readonly DiagnosedFinding[], progress: (line: string) => void): Promise<Map<string, string>> {
  const failures = new Map<string, string>()
  const fixable = findings.filter((f) => f.repair !== undefined)
  for (const kind of REPAIR_ORDER) {
    const batch = fixable.filter((f) => f.repair?.kind === kind)
    if (batch.length === 0) continue
    if (kind === 'migrate-shared' || kind === 'migrate-tenant') {
      // One migrator run covers every schema behind; it takes the migrator lock and waits for another one.
      progress(kind === 'migrate-shared' ? 'public: applying shared migrations' : `applying pending migrations to ${batch.length} tenant(s)`)
      try {
        const report = await tenancy.migrate(kind === 'migrate-shared' ? { shared: true } : { tenant: true })
        const failed = new Map<string, string>()
        if (report.shared?.status === 'failed') failed.set('public', report.shared.message ?? 'failed')
        for (const outcome of report.tenants) if (outcome.status === 'failed') failed.set(outcome.schema, outcome.message ?? 'failed')
        for (const finding of batch) {
          const reason = failed.get(finding.schema)
          if (reason !== undefined) failures.set(findingKey(finding), reason)
        }
      } catch (error) {
        for (const finding of batch) failures.set(findingKey(finding), errorMessage(error))
      }
      continue
    }
    for (const finding of batch) {
      const repair = finding.repair as Exclude<Repair, { kind: 'migrate-tenant' | 'migrate-shared' }>
      progress(describeRepair(repair))
      try {
        await applyRepair(tenancy, repair)
      } catch (error) {
        failures.set(findingKey(finding), errorMessage(error))
      }
    }
  }
  return failures
}

/**
 * `schemata doctor`: diagnoses, and with `fix` repairs what is safe and
 * diagnoses again (a repair can uncover the next problem, e.g. a recreated
 * role's grants), at most three rounds. Every finding seen is reported; with
 * `fix`, each says whether it is gone.
 */
export async function runDoctor(tenancy: Tenancy, options: DoctorOptions = {}): Promise<DoctorReport> {
  const progress = options.onProgress ?? (() => undefined)
  const citus = { citus: options.citus === true }
  let diagnosis = await diagnose(tenancy, citus)
  const extra = diagnosis.citusReferenceTables ? { citusReferenceTables: diagnosis.citusReferenceTables } : {}
  if (!options.fix) {
    return { healthy: diagnosis.findings.length === 0, findings: diagnosis.findings.map(publicFinding), tenants: diagnosis.tenants, ...extra }
  }
  const seen = new Map<string, DiagnosedFinding>()
  const failures = new Map<string, string>()
  for (const finding of diagnosis.findings) seen.set(findingKey(finding), finding)
  for (let round = 0; round < 3; round++) {
    const todo = diagnosis.findings.filter((f) => f.fixable && !failures.has(findingKey(f)))
    if (todo.length === 0) break
    for (const [key, reason] of await repairAll(tenancy, todo, progress)) failures.set(key, reason)
    diagnosis = await diagnose(tenancy, citus)
    for (const finding of diagnosis.findings) if (!seen.has(findingKey(finding))) seen.set(findingKey(finding), finding)
  }
  const remaining = new Set(diagnosis.findings.map(findingKey))
  const findings = [...seen.values()].map((finding): Finding => {
    const key = findingKey(finding)
    const fixed = !remaining.has(key)
    const failure = failures.get(key)
    const message = !fixed && failure !== undefined ? `${finding.message}. Repair failed: ${failure}` : finding.message
    return publicFinding({ ...finding, message, fixed })
  })
  return { healthy: remaining.size === 0, findings, tenants: diagnosis.tenants, ...extra }
}
