/** How bad a finding is: `error` breaks an invariant, `warning` is safe today but will bite. */
export type Severity = 'error' | 'warning'

/** The invariants the doctor checks; the `check` field of every finding. */
export type CheckName =
  | 'shared-migrations'
  | 'schema-missing'
  | 'role-missing'
  | 'role-attributes'
  | 'role-membership'
  | 'role-owns-objects'
  | 'schema-privileges'
  | 'cross-tenant-access'
  | 'default-privileges'
  | 'table-privileges'
  | 'ledger-privileges'
  | 'ledger-missing'
  | 'migration-pending'
  | 'central-ledger-missing'
  | 'own-ledger-missing'
  | 'unknown-migration'
  | 'unknown-type'
  | 'migration-changed'
  | 'checksum-mismatch'
  | 'orphan-schema'
  | 'orphan-role'
  | 'drift'
  | 'reference'
  | 'move-interrupted'
  | 'citus-primary-key'
  | 'citus-foreign-key'
  | 'citus-unsupported'
  | 'temp-privilege'

/** One problem, in the stable shape of `schemata doctor --json`. */
export interface Finding {
  /**
   * The tenant schema concerned: `public` for the shared migrations, the name
   * a tenant-prefixed role would have as a schema for an orphan role, `*` for
   * the migration list itself (it fails on an empty schema).
   */
  schema: string
  check: CheckName
  severity: Severity
  /** What is wrong, why it matters and, when --fix leaves it alone, why. */
  message: string
  /** Whether `--fix` repairs it. */
  fixable: boolean
  /** Only after `--fix`: whether it is gone. */
  fixed?: boolean
}

/**
 * What `--fix` does for a finding, as data: the doctor decides, the repair
 * step re-checks its preconditions inside its own transaction and acts.
 */
export type Repair =
  /** GRANT / REVOKE / ALTER statements for one schema, run under that schema's lock. */
  | { kind: 'sql'; schema: string; sql: string }
  /** Recreate a missing tenant role with the grants provisioning gives it. */
  | { kind: 'create-role'; schema: string; role: string }
  /** Copy rows the tenant's own ledger has into the central ledger. */
  | { kind: 'record-central'; schema: string; names: string[] }
  | { kind: 'migrate-tenant'; schema: string }
  | { kind: 'migrate-shared' }
  /** A tenant-prefixed role with no registry row, no schema and nothing owned. */
  | { kind: 'drop-orphan-role'; role: string }
  /** An unregistered tenant-like schema whose tables hold no rows, with its orphan role if any. */
  | { kind: 'drop-orphan-schema'; schema: string; role: string | undefined }

/** A finding as the doctor works with it: with an identity and, if fixable, its repair. */
export interface DiagnosedFinding extends Finding {
  /** Distinguishes findings of one check on one schema (a table, a migration, a role). */
  subject: string
  repair?: Repair
}

/** Identity of a finding across two diagnoses, to tell which ones a repair made go away. */
export function findingKey(finding: DiagnosedFinding): string {
  return `${finding.schema}\u0000${finding.check}\u0000${finding.subject}`
}

/** The public shape of a finding, without the doctor's internals. */
export function publicFinding(finding: Finding): Finding {
  const out: Finding = {
    schema: finding.schema,
    check: finding.check,
    severity: finding.severity,
    message: finding.message,
    fixable: finding.fixable,
  }
  if (finding.fixed !== undefined) out.fixed = finding.fixed
  return out
}
