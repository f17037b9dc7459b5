import { InvalidInputError, SchemataError } from '../errors.ts'
import type { BindParams } from './bind-params.ts'

/** The fields of node-postgres's DatabaseError that name what went wrong. */
interface PgFields {
  code: string
  message: string
  detail?: string
  where?: string
  column?: string
  constraint?: string
}

function pgFieldsOf(error: unknown): PgFields | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as Partial<Record<keyof PgFields, unknown>>
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      const fields: PgFields = { code: candidate.code, message: String(candidate.message) }
      for (const name of ['detail', 'where', 'column', 'constraint'] as const) {
        const value = candidate[name]
        if (typeof value === 'string') fields[name] = value
      }
      return fields
    }
    const wrapped = current as { parent?: unknown; original?: unknown; cause?: unknown }
    current = wrapped.parent ?? wrapped.original ?? wrapped.cause
  }
  return undefined
}

/** The first column named in a constraint violation's detail: `Key (email)=(…) already exists.` */
function detailColumn(detail: string | undefined): string | undefined {
  const match = /^Key \(([^)]+)\)=/.exec(detail ?? '')
  return match?.[1]?.split(',')[0]?.trim().replace(/^"|"$/g, '')
}

/**
 * PostgreSQL's refusal of a browse or an edit as our typed error, naming the
 * input field where PostgreSQL says which value it was (a bind parameter's
 * position, a column, a key). Anything unrecognised is returned unchanged.
 */
export function translateDataError(error: unknown, params: BindParams | undefined, valuesField = 'values'): unknown {
  const pg = pgFieldsOf(error)
  if (!pg) return error
  const cause = { cause: error }
  // Data exceptions (22…): a value PostgreSQL's input function refused; the context names the parameter.
  if (pg.code.startsWith('22')) {
    const placeholder = /portal parameter \$(\d+)/.exec(pg.where ?? '')?.[1]
    const field = placeholder === undefined ? undefined : params?.fieldOf(Number(placeholder))
    return new InvalidInputError(field ?? valuesField, pg.message, cause)
  }
  switch (pg.code) {
    case '23502':
      return new InvalidInputError(pg.column ? `${valuesField}.${pg.column}` : valuesField, `must not be NULL (${pg.message})`, cause)
    case '23505':
    case '23503': {
      const column = detailColumn(pg.detail)
      const field = column ? `${valuesField}.${column}` : valuesField
      return new InvalidInputError(field, `${pg.message}${pg.detail ? `: ${pg.detail}` : ''}`, cause)
    }
    case '23514':
    case '23P01':
      return new InvalidInputError(valuesField, pg.message, cause)
    case '428C9':
      return new InvalidInputError(valuesField, pg.message, cause)
    case '42501':
      return new SchemataError('FORBIDDEN', `PostgreSQL refused: ${pg.message}`, cause)
    case '42883':
      // An operator or an ordering the column's type does not have (json has no =, no ordering).
      return /ordering operator/.test(pg.message)
        ? new InvalidInputError('sort.column', `cannot sort by this column: ${pg.message}`, cause)
        : new InvalidInputError('filters', `this filter does not apply to the column's type: ${pg.message}`, cause)
    case '42703':
      return new InvalidInputError(valuesField, pg.message, cause)
    default:
      return error
  }
}
