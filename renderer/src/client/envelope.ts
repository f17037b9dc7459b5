import type { ErrorCode, ErrorEnvelope } from '../../../contract/types.ts'

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_INPUT',
  'TENANT_NOT_FOUND',
  'TENANT_SUSPENDED',
  'CONFLICT',
  'MIGRATION_FAILED',
  'MIGRATOR_BUSY',
  'DATABASE_UNAVAILABLE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'NO_ACTIVE_TENANT',
  'NOT_FOUND',
  'INTERNAL',
])

/** Reads an error envelope out of untrusted data; undefined when `value` is not one. */
export function readEnvelope(value: unknown): ErrorEnvelope | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { code, message, field } = value as Record<string, unknown>
  if (typeof code !== 'string' || typeof message !== 'string') return undefined
  const envelope: ErrorEnvelope = { code: CODES.has(code) ? (code as ErrorCode) : 'INTERNAL', message }
  if (typeof field === 'string') envelope.field = field
  return envelope
}
