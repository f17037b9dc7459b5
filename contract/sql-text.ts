/*
 * Reading SQL text the way PostgreSQL's lexer does, far enough to cut it into
 * statements and to recognise a few of their shapes: quotes ('…', E'…' with
 * backslash escapes, "…" identifiers, $tag$…$tag$ bodies), comments (-- and
 * nested /* … *\/) and BEGIN ATOMIC function bodies never end a statement.
 * Shared by the CLI (the "one statement" rule), the main process and the
 * console's editor (the statement under the cursor, error positions). The
 * SQL itself is left to PostgreSQL: nothing here decides what may run.
 */

export type SqlTokenKind = 'word' | 'ident' | 'string' | 'number' | 'param' | 'open' | 'close' | 'semicolon' | 'op' | 'unterminated'

/** One token: its kind, where it lies in the text (UTF-16 offsets, end exclusive) and, for words, the word upper-cased. */
export interface SqlToken {
  kind: SqlTokenKind
  start: number
  end: number
  upper: string
}

/** One statement of a text: its span in the text (without the `;` and surrounding comments), its text, and where it starts. */
export interface SqlStatementSpan {
  start: number
  end: number
  text: string
  /** 1-based line and column of its first character. */
  line: number
  column: number
  /** Offset just past the `;` that ends it, or `end` when none does. */
  through: number
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/

function closeBlockComment(sql: string, from: number): number {
  let depth = 0
  let j = from
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++
      j += 2
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--
      j += 2
      if (depth === 0) return j
    } else j++
  }
  return -1
}

function closeQuote(sql: string, from: number, quote: string, backslashes: boolean): number {
  let j = from + 1
  while (j < sql.length) {
    const c = sql[j]
    if (backslashes && c === '\\') j += 2
    else if (c === quote && sql[j + 1] === quote) j += 2
    else if (c === quote) return j + 1
    else j++
  }
  return -1
}

/** The tokens of `sql`, comments and whitespace left out; an unclosed quote or comment is one `unterminated` token to the end. */
export function sqlTokens(sql: string): SqlToken[] {
  const tokens: SqlToken[] = []
  const n = sql.length
  let i = 0
  const push = (kind: SqlTokenKind, end: number, upper = ''): void => {
    tokens.push({ kind, start: i, end, upper })
    i = end
  }
  while (i < n) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++
    } else if (c === '-' && next === '-') {
      const stop = sql.indexOf('\n', i)
      i = stop < 0 ? n : stop + 1
    } else if (c === '/' && next === '*') {
      const end = closeBlockComment(sql, i)
      if (end < 0) push('unterminated', n)
      else i = end
    } else if (c === "'") {
      const end = closeQuote(sql, i, "'", false)
      push(end < 0 ? 'unterminated' : 'string', end < 0 ? n : end)
    } else if (c === '"') {
      const end = closeQuote(sql, i, '"', false)
      push(end < 0 ? 'unterminated' : 'ident', end < 0 ? n : end)
    } else if (c === '$' && next !== undefined && /[0-9]/.test(next)) {
      let j = i + 1
      while (j < n && /[0-9]/.test(sql[j] as string)) j++
      push('param', j)
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 66))?.[0]
      if (tag === undefined) push('op', i + 1)
      else {
        const close = sql.indexOf(tag, i + tag.length)
        push(close < 0 ? 'unterminated' : 'string', close < 0 ? n : close + tag.length)
      }
    } else if (WORD_START.test(c)) {
      let j = i + 1
      while (j < n && WORD_PART.test(sql[j] as string)) j++
      const word = sql.slice(i, j)
      // E'…' escapes with backslashes; B'…', X'…', N'…' and U&'…' are strings with a prefix.
      if (sql[j] === "'" && /^[EeBbXxNn]$/.test(word)) {
        const end = closeQuote(sql, j, "'", /^[Ee]$/.test(word))
        push(end < 0 ? 'unterminated' : 'string', end < 0 ? n : end)
      } else if (/^[Uu]$/.test(word) && sql[j] === '&' && (sql[j + 1] === "'" || sql[j + 1] === '"')) {
        const end = closeQuote(sql, j + 1, sql[j + 1] as string, false)
        push(end < 0 ? 'unterminated' : sql[j + 1] === '"' ? 'ident' : 'string', end < 0 ? n : end)
      } else push('word', j, word.toUpperCase())
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      const match = /^(?:0[xXoObB][0-9A-Fa-f_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?)/.exec(sql.slice(i))
      push('number', i + Math.max(1, match?.[0].length ?? 1))
    } else if (c === '(' || c === '[') push('open', i + 1)
    else if (c === ')' || c === ']') push('close', i + 1)
    else if (c === ';') push('semicolon', i + 1)
    else push('op', i + 1)
  }
  return tokens
}

function lineAndColumn(sql: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset; i++) {
    if (sql.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/** Groups tokens into statements: a `;` ends one, except inside a BEGIN ATOMIC … END body. */
function statementTokenGroups(tokens: readonly SqlToken[]): { tokens: SqlToken[]; through: number | undefined }[] {
  const groups: { tokens: SqlToken[]; through: number | undefined }[] = []
  let current: SqlToken[] = []
  let atomic = 0
  for (const token of tokens) {
    if (token.kind === 'semicolon' && atomic === 0) {
      groups.push({ tokens: current, through: token.end })
      current = []
      continue
    }
    if (token.kind === 'word') {
      const previous = current[current.length - 1]
      if (token.upper === 'ATOMIC' && previous?.upper === 'BEGIN') atomic++
      else if (atomic > 0 && token.upper === 'CASE') atomic++
      else if (atomic > 0 && token.upper === 'END') atomic--
    }
    current.push(token)
  }
  groups.push({ tokens: current, through: undefined })
  return groups
}

/** The statements of a text, in order; empty ones (`;;`, only comments) are left out. */
export function statementSpans(sql: string): SqlStatementSpan[] {
  const spans: SqlStatementSpan[] = []
  for (const group of statementTokenGroups(sqlTokens(sql))) {
    const first = group.tokens[0]
    const last = group.tokens[group.tokens.length - 1]
    if (first === undefined || last === undefined) continue
    const { line, column } = lineAndColumn(sql, first.start)
    spans.push({ start: first.start, end: last.end, text: sql.slice(first.start, last.end), line, column, through: group.through ?? last.end })
  }
  return spans
}

/**
 * The statement the cursor is in, as SQL editors pick it for "run statement":
 * the one whose text (or its closing `;`) holds the cursor; between
 * statements, the one just before the cursor on the same line, else the next
 * one, else the last before it.
 */
export function statementAt(sql: string, offset: number): SqlStatementSpan | undefined {
  const spans = statementSpans(sql)
  const inside = spans.find((span) => offset >= span.start && offset <= span.through)
  if (inside) return inside
  const before = spans.filter((span) => span.through <= offset).pop()
  if (before && !sql.slice(before.through, offset).includes('\n')) return before
  return spans.find((span) => span.start >= offset) ?? before
}

/** Why a text is not exactly one statement, or the statement. */
export type SingleStatement = { ok: true; statement: SqlStatementSpan } | { ok: false; rule: string; offset?: number }

function preview(text: string, max = 40): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}

/**
 * The one statement of `sql`. Empty text (or only comments) and several
 * statements are refused with a rule that says which statement is the second
 * and where it starts, so the user can run them one at a time.
 */
export function singleStatement(sql: string): SingleStatement {
  const spans = statementSpans(sql)
  const [first, second] = spans
  if (first === undefined) return { ok: false, rule: sql.trim() === '' ? 'is empty: type a statement' : 'holds only comments: type a statement' }
  if (second !== undefined) {
    return {
      ok: false,
      rule: `holds ${spans.length} statements where one is expected: statement 2 starts at line ${second.line}, column ${second.column} ("${preview(second.text)}"); run them one at a time`,
      offset: second.start,
    }
  }
  return { ok: true, statement: first }
}

/** Whether the token at `index` starts a DELETE/UPDATE statement (first, or right after a CTE's parenthesis) rather than `ON DELETE`, `FOR UPDATE`, `GRANT UPDATE`. */
function startsStatement(tokens: readonly SqlToken[], index: number): boolean {
  const previous = tokens[index - 1]
  return previous === undefined || previous.kind === 'open' || previous.kind === 'close'
}

/** What a DELETE/UPDATE at `index` works on, for the message: the word after FROM (DELETE) or after UPDATE [ONLY]. */
function targetOf(sql: string, tokens: readonly SqlToken[], index: number): string {
  let j = index + 1
  if (tokens[index]?.upper === 'DELETE' && tokens[j]?.upper === 'FROM') j++
  if (tokens[j]?.upper === 'ONLY') j++
  const target = tokens[j]
  if (target === undefined) return 'the table'
  let end = target.end
  // schema.table
  if (sql[end] === '.' && tokens[j + 2] !== undefined) end = (tokens[j + 2] as SqlToken).end
  return sql.slice(target.start, end)
}

const KEEPS_DATA = new Set(['DEFAULT', 'NOT', 'IDENTITY', 'EXPRESSION', 'CONSTRAINT', ''])

/**
 * Why a statement deserves a typed confirmation before it runs, or null: it
 * drops or empties something (DROP, TRUNCATE, ALTER … DROP) or changes every
 * row of a table (DELETE or UPDATE with no WHERE, also inside a WITH).
 */
export function destructiveReason(statement: string): string | null {
  const tokens = sqlTokens(statement)
  const first = tokens[0]?.upper
  if (first === 'DROP') return `${`DROP ${tokens[1]?.upper ?? ''}`.trim()} removes it for good`
  if (first === 'TRUNCATE') return 'TRUNCATE removes every row'
  // ALTER … DROP COLUMN loses data; DROP DEFAULT, NOT NULL, IDENTITY, EXPRESSION or a CONSTRAINT does not.
  const dropsColumn = tokens.some((token, i) => token.upper === 'DROP' && !KEEPS_DATA.has(tokens[i + 1]?.upper ?? ''))
  if (first === 'ALTER' && dropsColumn) return 'ALTER … DROP COLUMN removes a column and its data for good'
  let depth = 0
  const depths = tokens.map((token) => {
    if (token.kind === 'open') depth++
    const at = depth
    if (token.kind === 'close') depth = Math.max(0, depth - 1)
    return at
  })
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as SqlToken
    if ((token.upper !== 'DELETE' && token.upper !== 'UPDATE') || !startsStatement(tokens, i)) continue
    const level = depths[i] as number
    let hasWhere = false
    for (let j = i + 1; j < tokens.length; j++) {
      const at = depths[j] as number
      if (at < level || (at === level && tokens[j]?.kind === 'close')) break
      if (at === level && tokens[j]?.upper === 'WHERE') {
        hasWhere = true
        break
      }
    }
    if (!hasWhere) return `${token.upper} without WHERE changes every row of ${targetOf(statement, tokens, i)}`
  }
  return null
}

/**
 * Turns PostgreSQL's error position (1-based, in characters of the statement
 * it was sent) into a 0-based UTF-16 offset in that statement, so an editor can
 * mark it: characters outside the Basic Multilingual Plane count once there and
 * twice here.
 */
export function offsetOfPosition(statement: string, position: number): number {
  let offset = 0
  for (let characters = 1; characters < position && offset < statement.length; characters++) {
    const code = statement.charCodeAt(offset)
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1
  }
  return Math.min(offset, statement.length)
}
