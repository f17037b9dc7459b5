import { sqlTokens, statementSpans } from '../../../contract/sql-text.ts'

/** A plain SQL migration file, split into its sections. */
export interface SqlMigrationText {
  up: string
  /** Absent when the file has no `-- migrate:down` section: the migration cannot be reverted. */
  down?: string
}

/** Why a SQL migration file was refused: the line (1-based, 0 for the whole file) and the rule. */
export class SqlMigrationProblem extends Error {
  constructor(
    readonly line: number,
    readonly rule: string,
  ) {
    super(line > 0 ? `line ${line}: ${rule}` : rule)
  }
}

const MARKER = /^--\s*migrate:([A-Za-z]+)(.*)$/

/**
 * Statements that would end or escape the one transaction a schema migrates
 * in. A COMMIT halfway through would commit half a migration and its ledger
 * rows; a session-level SET would outlive the migration on a pooled
 * connection and leak into the next tenant's work.
 */
function topLevelProblem(words: readonly string[]): string | undefined {
  const [first, second] = words
  switch (first) {
    case 'BEGIN':
    case 'COMMIT':
    case 'END':
    case 'ABORT':
    case 'START':
      return `${first}: each schema migrates in one transaction that Schemata opens and commits; remove transaction control from the migration`
    case 'ROLLBACK':
      return second === 'TO' ? undefined : 'ROLLBACK: each schema migrates in one transaction; a failing statement already rolls it back'
    case 'PREPARE':
      return second === 'TRANSACTION' ? 'PREPARE TRANSACTION is not allowed in a migration' : undefined
    case 'SET':
      if (second === 'LOCAL' || second === 'CONSTRAINTS' || second === 'TRANSACTION') return undefined
      return `SET ${second ?? ''}: use SET LOCAL — a session setting would outlive the migration on a pooled connection`.replace('  ', ' ')
    case 'RESET':
      return 'RESET: changes session state that would outlive the migration on a pooled connection; use SET LOCAL'
    default:
      if (first?.startsWith('\\')) return `${first}: psql meta-commands are not SQL; remove them`
      return undefined
  }
}

/** The first words of a statement, upper-cased, comments between them skipped (`SET LOCAL …` → ['SET', 'LOCAL']); a psql meta-command whole. */
function leadingWords(statement: string, count: number): string[] {
  const meta = /^\\\S*/.exec(statement)?.[0]
  if (meta !== undefined) return [meta.toUpperCase()]
  return sqlTokens(statement)
    .slice(0, count)
    .map((token) => (token.kind === 'word' ? token.upper : statement.slice(token.start, token.end)))
}

function checkSection(body: string, firstLine: number, name: string): void {
  const statements = statementSpans(body)
  if (statements.length === 0) throw new SqlMigrationProblem(firstLine - 1, `the -- migrate:${name} section holds no SQL`)
  for (const statement of statements) {
    const problem = topLevelProblem(leadingWords(statement.text, 2))
    if (problem !== undefined) throw new SqlMigrationProblem(firstLine + statement.line - 1, problem)
  }
}

/**
 * Parses a migration in the dbmate format: `-- migrate:up` and an optional
 * `-- migrate:down`, each once, with nothing but comments before the first.
 */
export function parseSqlMigration(source: string): SqlMigrationText {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const sections = new Map<'up' | 'down', { start: number; lines: string[] }>()
  let current: { start: number; lines: string[] } | undefined
  const preamble: string[] = []
  lines.forEach((text, index) => {
    const marker = MARKER.exec(text)
    if (marker) {
      const kind = marker[1] as string
      const options = (marker[2] ?? '').trim()
      if (kind !== 'up' && kind !== 'down') {
        throw new SqlMigrationProblem(index + 1, `"-- migrate:${kind}" is not a section; use -- migrate:up and -- migrate:down`)
      }
      if (options !== '') {
        throw new SqlMigrationProblem(
          index + 1,
          `"-- migrate:${kind} ${options}": section options are not supported (each schema migrates in one transaction)`,
        )
      }
      if (sections.has(kind)) throw new SqlMigrationProblem(index + 1, `a second -- migrate:${kind} section`)
      current = { start: index + 2, lines: [] }
      sections.set(kind, current)
      return
    }
    if (current) current.lines.push(text)
    else preamble.push(text)
  })
  const up = sections.get('up')
  if (!up) throw new SqlMigrationProblem(0, 'has no -- migrate:up section (a SQL migration is "-- migrate:up", its SQL, then optionally "-- migrate:down" and the SQL that reverts it)')
  if (statementSpans(preamble.join('\n')).length > 0) {
    const firstSql = preamble.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('--'))
    throw new SqlMigrationProblem(firstSql + 1, 'SQL before the first -- migrate: section belongs to no section')
  }
  const upText = up.lines.join('\n')
  checkSection(upText, up.start, 'up')
  const down = sections.get('down')
  if (!down) return { up: upText }
  const downText = down.lines.join('\n')
  // An empty down section (as dbmate's `new` writes it) means the migration cannot be reverted.
  if (statementSpans(downText).length === 0) return { up: upText }
  checkSection(downText, down.start, 'down')
  return { up: upText, down: downText }
}
