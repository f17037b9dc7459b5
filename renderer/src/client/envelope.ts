import { ERROR_CODES, type ErrorCode, type ErrorEnvelope } from '../../../contract/types.ts'

const CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES)

/** Reads an error envelope out of untrusted data; undefined when `value` is not one. */
export function readEnvelope(value: unknown): ErrorEnvelope | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { code, message, field } = value as Record<string, unknown>
  if (typeof code !== 'string' || typeof message !== 'string') return undefined
  const envelope: ErrorEnvelope = { code: CODES.has(code) ? (code as ErrorCode) : 'INTERNAL', message }
  if (typeof field === 'string') envelope.field = field
  return envelope
}
