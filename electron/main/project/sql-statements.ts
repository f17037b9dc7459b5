/** One top-level statement of a SQL script: its text without comments, and the line it starts on (1-based). */
export interface SqlStatement {
  text: string
  line: number
}

const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y

/**
 * Splits a SQL script into its top-level statements the way psql does:
 * semicolons inside quotes, quoted identifiers, dollar-quoted bodies,
 * comments (block comments nest in PostgreSQL) and `BEGIN ATOMIC … END`
 * function bodies do not end a statement. Comments are dropped from the
 * text. Enough to find what a migration must not do at the top level; the
 * SQL itself is left to PostgreSQL.
 */
export function splitStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = []
  let text = ''
  let line = 1
  let startLine = 0
  let atomicDepth = 0
  let i = 0
  const n = sql.length
  const push = (chunk: string): void => {
    if (startLine === 0 && chunk.trim() !== '') startLine = line
    text += chunk
  }
  const advance = (to: number): string => {
    const chunk = sql.slice(i, to)
    for (const c of chunk) if (c === '\n') line++
    i = to
    return chunk
  }
  const end = (): void => {
    if (text.trim() !== '') statements.push({ text: text.trim(), line: startLine })
    text = ''
    startLine = 0
  }
  while (i < n) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === '-' && next === '-') {
      const stop = sql.indexOf('\n', i)
      advance(stop < 0 ? n : stop)
      continue
    }
    if (c === '/' && next === '*') {
      let depth = 0
      let j = i
      while (j < n) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++
          j += 2
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--
          j += 2
          if (depth === 0) break
        } else j++
      }
      advance(j)
      push(' ')
      continue
    }
    if (c === "'" || c === '"') {
      // E'…' strings escape with backslashes; standard strings and identifiers double the quote.
      const backslashes = c === "'" && /[eE]$/.test(sql.slice(Math.max(0, i - 1), i)) && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '')
      let j = i + 1
      while (j < n) {
        if (backslashes && sql[j] === '\\') j += 2
        else if (sql[j] === c && sql[j + 1] === c) j += 2
        else if (sql[j] === c) {
          j++
          break
        } else j++
      }
      push(advance(j))
      continue
    }
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66))?.[0]
      // `$1` is a parameter, and a `$` inside an identifier is part of it.
      if (tag !== undefined && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
        const close = sql.indexOf(tag, i + tag.length)
        push(advance(close < 0 ? n : close + tag.length))
        continue
      }
    }
    if (/[A-Za-z_]/.test(c) && !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? '')) {
      WORD.lastIndex = i
      const word = (WORD.exec(sql)?.[0] ?? c).toUpperCase()
      // A SQL-standard function body holds statements, and CASE … END inside it.
      if (word === 'ATOMIC' && /\bBEGIN\s*$/i.test(text)) atomicDepth++
      else if (atomicDepth > 0 && word === 'CASE') atomicDepth++
      else if (atomicDepth > 0 && word === 'END') atomicDepth--
      push(advance(i + word.length))
      continue
    }
    if (c === ';' && atomicDepth === 0) {
      advance(i + 1)
      end()
      continue
    }
    push(advance(i + 1))
  }
  end()
  return statements
}

/** The leading keywords of a statement, upper-cased: `SET LOCAL search_path …` → ['SET', 'LOCAL', 'SEARCH_PATH']. */
export function leadingWords(statement: string, count: number): string[] {
  return statement
    .split(/[^A-Za-z0-9_\\]+/)
    .filter((word) => word !== '')
    .slice(0, count)
    .map((word) => word.toUpperCase())
}
