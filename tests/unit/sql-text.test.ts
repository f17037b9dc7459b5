import { describe, expect, it } from 'vitest'
import { destructiveReason, offsetOfPosition, singleStatement, statementAt, statementSpans } from '../../contract/sql-text.ts'

const texts = (sql: string): string[] => statementSpans(sql).map((span) => span.text)

describe('statementSpans', () => {
  it('cuts at semicolons outside quotes, identifiers, dollar bodies and comments', () => {
    const sql = [
      "SELECT 'a;b', \"x;y\" FROM t; -- c;d",
      'SELECT $$ ; $$, $tag$ ; $notag$ ; $tag$;',
      "/* a /* nested ; */ still comment ; */ SELECT E'it\\'s;' ;",
      'SELECT 1',
    ].join('\n')
    expect(texts(sql)).toEqual([
      "SELECT 'a;b', \"x;y\" FROM t",
      'SELECT $$ ; $$, $tag$ ; $notag$ ; $tag$',
      "SELECT E'it\\'s;'",
      'SELECT 1',
    ])
  })

  it('keeps a BEGIN ATOMIC body (with CASE … END inside) in one statement', () => {
    const sql = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END; SELECT 3'
    expect(texts(sql)).toHaveLength(2)
    expect(texts(sql)[1]).toBe('SELECT 3')
  })

  it('gives each statement its line and column, and leaves out empty ones', () => {
    const spans = statementSpans(';;\n  -- only a comment\n  SELECT 1;\n\nSELECT\n 2;  ;')
    expect(spans.map(({ text, line, column }) => ({ text, line, column }))).toEqual([
      { text: 'SELECT 1', line: 3, column: 3 },
      { text: 'SELECT\n 2', line: 5, column: 1 },
    ])
  })

  it('treats $1 as a parameter, not a dollar quote', () => {
    expect(texts('SELECT $1; SELECT $2')).toEqual(['SELECT $1', 'SELECT $2'])
  })

  it('runs an unterminated quote to the end instead of splitting inside it', () => {
    expect(texts("SELECT 'open; SELECT 2")).toEqual(["SELECT 'open; SELECT 2"])
    expect(texts('/* never closed; SELECT 1')).toEqual(['/* never closed; SELECT 1'])
  })
})

describe('singleStatement', () => {
  it('accepts one statement with or without its semicolon and comments', () => {
    const one = singleStatement('-- count them\nSELECT count(*) FROM customers; -- done')
    expect(one).toMatchObject({ ok: true, statement: { text: 'SELECT count(*) FROM customers' } })
  })

  it('refuses empty text and text with only comments', () => {
    expect(singleStatement('   \n ')).toEqual({ ok: false, rule: 'is empty: type a statement' })
    expect(singleStatement('-- nothing\n/* here */ ;')).toEqual({ ok: false, rule: 'holds only comments: type a statement' })
  })

  it('names the second statement and where it starts', () => {
    const result = singleStatement('SELECT 1;\n  DELETE FROM customers;\nSELECT 3')
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.rule).toBe(
      'holds 3 statements where one is expected: statement 2 starts at line 2, column 3 ("DELETE FROM customers"); run them one at a time',
    )
    expect(result.offset).toBe(12)
  })
})

describe('statementAt (Ctrl+Enter runs the statement under the cursor)', () => {
  const sql = 'SELECT 1;\nSELECT 2; SELECT 3;\n\n\nSELECT 4'
  it('picks the statement holding the cursor, its semicolon included', () => {
    expect(statementAt(sql, 0)?.text).toBe('SELECT 1')
    expect(statementAt(sql, 9)?.text).toBe('SELECT 1')
    expect(statementAt(sql, 12)?.text).toBe('SELECT 2')
    expect(statementAt(sql, 22)?.text).toBe('SELECT 3')
  })
  it('between statements: the one just before on the same line, else the next', () => {
    expect(statementAt(sql, sql.indexOf('\n\n') + 1)?.text).toBe('SELECT 4')
    expect(statementAt('SELECT 1;   ', 11)?.text).toBe('SELECT 1')
    expect(statementAt('', 0)).toBeUndefined()
  })
})

describe('destructiveReason', () => {
  it.each([
    ['DROP TABLE customers', /DROP TABLE/],
    ['drop schema acme cascade', /DROP SCHEMA/],
    ['TRUNCATE orders', /TRUNCATE/],
    ['DELETE FROM customers', /DELETE without WHERE changes every row of customers/],
    ['delete from only acme.customers returning *', /of acme\.customers/],
    ["UPDATE customers SET name = 'x'", /UPDATE without WHERE/],
    ["WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone", /DELETE without WHERE/],
    ["UPDATE customers SET name = (SELECT name FROM customers c WHERE c.id = 1)", /UPDATE without WHERE/],
    ['ALTER TABLE customers DROP COLUMN email', /DROP COLUMN/],
  ])('%s needs a confirmation', (sql, reason) => {
    expect(destructiveReason(sql)).toMatch(reason)
  })

  it.each([
    'SELECT * FROM customers',
    'DELETE FROM customers WHERE id = 1',
    "UPDATE customers SET name = 'x' WHERE id IN (SELECT id FROM orders)",
    'SELECT * FROM orders FOR UPDATE',
    'WITH gone AS (DELETE FROM orders WHERE id = 3 RETURNING id) SELECT count(*) FROM gone',
    "SELECT 'DROP TABLE x', 'DELETE FROM t'",
    'ALTER TABLE customers ALTER COLUMN name DROP NOT NULL',
    'ALTER TABLE orders DROP CONSTRAINT orders_check',
    'INSERT INTO customers (name) VALUES ($1)',
  ])('%s does not', (sql) => {
    expect(destructiveReason(sql)).toBeNull()
  })
})

describe('offsetOfPosition', () => {
  it('maps PostgreSQL character positions to UTF-16 offsets', () => {
    expect(offsetOfPosition('SELECT foo', 8)).toBe(7)
    // The emoji is one character to PostgreSQL and two code units here.
    expect(offsetOfPosition("SELECT '😀', bad", 14)).toBe(14)
    expect(offsetOfPosition('SELECT', 99)).toBe(6)
  })
})
