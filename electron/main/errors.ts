import type { ErrorCode, ErrorEnvelope } from '../../contract/types.ts'

export type { ErrorCode, ErrorEnvelope }

/** Base class: every error we raise on purpose carries a code and, where it applies, the offending field. */
export class SchemataError extends Error {
  readonly code: ErrorCode
  readonly field?: string

  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    if (options?.field !== undefined) this.field = options.field
  }
}

/** Input broke a rule; nothing was changed. The message names the field and the rule. */
export class InvalidInputError extends SchemataError {
  constructor(field: string, rule: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', `${field}: ${rule}`, { field, ...options })
  }
}

export class TenantNotFoundError extends SchemataError {
  constructor(schema: string) {
    super('TENANT_NOT_FOUND', `no tenant with schema "${schema}"`, { field: 'schema' })
  }
}

/** The tenant exists but is not serving: suspended, archived, or moved (or being moved) to another database. */
export class TenantSuspendedError extends SchemataError {
  constructor(schema: string, status = 'suspended') {
    super('TENANT_SUSPENDED', `tenant "${schema}" is ${status}`, { field: 'schema' })
  }
}

/** One migration failed in one schema; the PostgreSQL error is kept as `cause`. */
export class MigrationFailedError extends SchemataError {
  readonly schema: string
  readonly migration: string | undefined

  constructor(schema: string, migration: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super('MIGRATION_FAILED', `migration ${migration ?? '(setup)'} failed in schema "${schema}": ${reason}`, { cause })
    this.schema = schema
    this.migration = migration
  }
}

export class MigratorBusyError extends SchemataError {
  constructor(detail: string) {
    super('MIGRATOR_BUSY', `another migrator is running (${detail})`)
  }
}

export class DatabaseUnavailableError extends SchemataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options)
  }
}

/** SQL text run as a tenant failed in PostgreSQL; `sqlState` and PostgreSQL's own message say why. */
export class TenantSqlError extends SchemataError {
  readonly schema: string
  readonly sqlState: string | undefined
  /** 1-based character position in the statement, when PostgreSQL names one. */
  readonly position: number | undefined

  constructor(schema: string, cause: unknown) {
    const fields = (cause ?? {}) as { code?: unknown; position?: unknown; message?: unknown }
    const sqlState = typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined
    const message = cause instanceof Error ? cause.message : String(cause)
    super('SQL_ERROR', `${schema}: ${message}${sqlState === undefined ? '' : ` (SQLSTATE ${sqlState})`}`, { cause })
    this.schema = schema
    this.sqlState = sqlState
    const position = Number(fields.position)
    this.position = Number.isInteger(position) && position > 0 ? position : undefined
  }
}

/** A running statement was cancelled on request; PostgreSQL stopped it. */
export class StatementCancelledError extends SchemataError {
  constructor(schema: string, options?: { cause?: unknown }) {
    super('CANCELLED', `${schema}: the statement was cancelled`, options)
  }
}

/** A statement ran past its time limit and was stopped. */
export class StatementTimeoutError extends SchemataError {
  constructor(schema: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('TIMEOUT', `${schema}: the statement ran longer than ${timeoutMs} ms and was stopped`, options)
  }
}

/** Turns anything thrown into an envelope; unknown errors become INTERNAL without leaking internals. */
export function toErrorEnvelope(error: unknown): ErrorEnvelope {
  if (error instanceof SchemataError) {
    return error.field === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, field: error.field }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'INTERNAL', message }
}

// Quoting untrusted text for a message is the contract's, so the renderer quotes alike.
export { quoteForMessage } from '../../contract/input-problems.ts'
