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
