import type { SqlFailure } from '../../../contract/sql-console.ts'
import { SchemataError, TenantSqlError } from '../errors.ts'

/** The fields of node-postgres's DatabaseError that a SQL console shows. */
interface PgFields {
  code?: unknown
  message?: unknown
  detail?: unknown
  hint?: unknown
  position?: unknown
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Why a statement failed, for the console and the CLI: PostgreSQL's own SQLSTATE, message, detail, hint and position. */
export function sqlFailureOf(error: unknown): SqlFailure {
  const code = error instanceof SchemataError ? error.code : 'INTERNAL'
  const cause = (error instanceof Error ? error.cause : undefined) as PgFields | undefined
  const fields: PgFields = cause ?? {}
  const sqlState = typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined
  // A statement PostgreSQL refused is described in PostgreSQL's words; our own errors in ours.
  const message = error instanceof TenantSqlError ? (text(fields.message) ?? error.message) : error instanceof Error ? error.message : String(error)
  const failure: SqlFailure = { code, message }
  if (sqlState !== undefined) failure.sqlState = sqlState
  const detail = text(fields.detail)
  const hint = text(fields.hint)
  if (detail !== undefined) failure.detail = detail
  if (hint !== undefined) failure.hint = hint
  if (error instanceof TenantSqlError && error.position !== undefined) failure.position = error.position
  return failure
}

/** One line: `42P01 relation "x" does not exist`, with detail and hint after it. */
export function describeFailure(failure: SqlFailure): string {
  const parts = [`${failure.sqlState ?? failure.code} ${failure.message}`]
  if (failure.detail) parts.push(`detail: ${failure.detail}`)
  if (failure.hint) parts.push(`hint: ${failure.hint}`)
  return parts.join('; ').replace(/\s*\n\s*/g, ' ')
}
