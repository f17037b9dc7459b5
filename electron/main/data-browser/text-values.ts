import type pg from 'pg'

/**
 * Type parsers that keep every value in PostgreSQL's own text form: a bigint
 * or numeric stays exact, a timestamp keeps its microseconds, and what the
 * grid shows is what PostgreSQL would print. NULL stays null.
 */
export const TEXT_VALUES: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as pg.CustomTypesConfig['getTypeParser'],
}
