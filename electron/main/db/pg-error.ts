import { DatabaseUnavailableError } from '../errors.ts'

/** The fields of a PostgreSQL error that we act on (node-postgres `DatabaseError`). */
export interface PgErrorFields {
  code: string
  message: string
  constraint?: string
  detail?: string
}

/** Digs the PostgreSQL error out of whatever wrapped it (Sequelize keeps it as `parent`/`original`). */
export function pgErrorOf(error: unknown): PgErrorFields | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; constraint?: unknown; detail?: unknown }
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      const fields: PgErrorFields = { code: candidate.code, message: String(candidate.message) }
      if (typeof candidate.constraint === 'string') fields.constraint = candidate.constraint
      if (typeof candidate.detail === 'string') fields.detail = candidate.detail
      return fields
    }
    const wrapped = current as { parent?: unknown; original?: unknown; cause?: unknown }
    current = wrapped.parent ?? wrapped.original ?? wrapped.cause
  }
  return undefined
}

/** SQLSTATEs we translate into user-facing errors. */
export const SqlState = {
  uniqueViolation: '23505',
  duplicateSchema: '42P06',
  duplicateObject: '42710',
  insufficientPrivilege: '42501',
  undefinedTable: '42P01',
  undefinedFunction: '42883',
} as const

/**
 * SQLSTATE class 53, "insufficient resources": the database cannot take the
 * work right now (disk full, out of memory, too many connections, a
 * configured limit). Not a bug of the request and not permanent, so callers
 * answer 503 with what ran out; PostgreSQL's own text (paths, sizes) stays in
 * the log.
 */
export function resourceShortage(error: unknown): DatabaseUnavailableError | undefined {
  const fields = pgErrorOf(error)
  if (fields === undefined || !fields.code.startsWith('53')) return undefined
  return new DatabaseUnavailableError(`${SHORTAGE[fields.code] ?? 'the database ran out of a resource'} (SQLSTATE ${fields.code}); try again later`, { cause: error })
}

const SHORTAGE: Record<string, string> = {
  '53100': 'the database cannot write: its disk is full',
  '53200': 'the database is out of memory',
  '53300': 'the database has too many connections',
  '53400': 'the database hit a configured limit',
}

// Sequelize wraps "cannot reach the server" in these classes.
const CONNECTION_ERRORS = new Set([
  'SequelizeConnectionError',
  'SequelizeConnectionRefusedError',
  'SequelizeConnectionTimedOutError',
  'SequelizeHostNotFoundError',
  'SequelizeHostNotReachableError',
  'SequelizeAccessDeniedError',
  'SequelizeConnectionAcquireTimeoutError',
])

/** Whether `error` says the database could not be reached (rather than that a statement failed). */
export function isConnectionFailure(error: unknown): error is Error {
  return error instanceof Error && CONNECTION_ERRORS.has(error.name)
}
