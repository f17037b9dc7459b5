import { describe, expect, it } from 'vitest'
import { parseSqlMigration } from '../../electron/main/project/sql-migration.ts'
import { statementSpans } from '../../contract/sql-text.ts'

function problemOf(source: string): string {
  try {
    parseSqlMigration(source)
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
  throw new Error('expected the file to be refused')
}

describe('SQL migration files (-- migrate:up / -- migrate:down)', () => {
  it('splits the file into its up and down sections', () => {
    const parsed = parseSqlMigration(
      '-- tickets\n-- migrate:up\nCREATE TABLE tickets (id int);\n\n-- migrate:down\nDROP TABLE tickets;\n',
    )
    expect(parsed.up.trim()).toBe('CREATE TABLE tickets (id int);')
    expect(parsed.down?.trim()).toBe('DROP TABLE tickets;')
  })

  it('accepts CRLF line endings and a missing or empty down section', () => {
    expect(parseSqlMigration('-- migrate:up\r\nSELECT 1;\r\n').down).toBeUndefined()
    expect(parseSqlMigration('-- migrate:up\nSELECT 1;\n-- migrate:down\n\n-- nothing to undo\n').down).toBeUndefined()
  })

  it('refuses a file without an up section, naming the rule', () => {
    expect(problemOf('CREATE TABLE t (id int);')).toMatch(/has no -- migrate:up section/)
    expect(problemOf('-- migrate:down\nDROP TABLE t;')).toMatch(/has no -- migrate:up section/)
  })

  it('refuses an empty up section, a repeated section, an unknown section and section options', () => {
    expect(problemOf('-- migrate:up\n-- only a comment\n-- migrate:down\nSELECT 1;')).toMatch(/line 1: the -- migrate:up section holds no SQL/)
    expect(problemOf('-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;')).toMatch(/line 3: a second -- migrate:up section/)
    expect(problemOf('-- migrate:upp\nSELECT 1;')).toMatch(/line 1: "-- migrate:upp" is not a section/)
    expect(problemOf('-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);')).toMatch(/section options are not supported/)
  })

  it('refuses SQL before the first section', () => {
    expect(problemOf('-- header\nCREATE TABLE t (id int);\n-- migrate:up\nSELECT 1;')).toMatch(/line 2: SQL before the first -- migrate: section/)
  })

  it('refuses transaction control and session settings at the top level, with the line', () => {
    expect(problemOf('-- migrate:up\nCREATE TABLE t (id int);\nCOMMIT;\nCREATE TABLE u (id int);')).toMatch(/line 3: COMMIT: each schema migrates in one transaction/)
    expect(problemOf('-- migrate:up\nBEGIN;\nSELECT 1;')).toMatch(/line 2: BEGIN/)
    expect(problemOf('-- migrate:up\nSET search_path TO other;\nSELECT 1;')).toMatch(/line 2: SET SEARCH_PATH: use SET LOCAL/)
    expect(problemOf('-- migrate:up\nSELECT 1;\n-- migrate:down\nRESET ROLE;')).toMatch(/line 4: RESET/)
    expect(problemOf('-- migrate:up\n\\connect other\nSELECT 1;')).toMatch(/line 2: \\CONNECT: psql meta-commands/)
  })

  it('allows what stays inside the transaction: SET LOCAL, savepoints, and BEGIN/COMMIT inside bodies and strings', () => {
    const source = `-- migrate:up
SET LOCAL statement_timeout = '5min';
SAVEPOINT before_backfill;
ROLLBACK TO SAVEPOINT before_backfill;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated_at := now(); -- COMMIT; in a comment
  RETURN NEW;
END
$fn$;
DO $$ BEGIN PERFORM 1; END $$;
INSERT INTO notes (body) VALUES ('BEGIN; COMMIT;'), (E'it\\'s; COMMIT');
CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 1; END;
/* COMMIT; /* nested */ still a comment; */
SELECT "COMMIT;" FROM t;`
    expect(() => parseSqlMigration(source)).not.toThrow()
  })
})

describe('statementSpans (the splitter SQL migrations are checked with)', () => {
  it('splits at top-level semicolons only and reports each statement\u2019s line', () => {
    const statements = statementSpans("SELECT ';';\n\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- x;\nSELECT 2")
    expect(statements.map((s) => s.line)).toEqual([1, 3, 5])
    expect(statements[2]?.text).toBe('SELECT 2')
  })

  it('keeps a BEGIN ATOMIC body, CASE … END included, as one statement', () => {
    const statements = statementSpans('CREATE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN x THEN 1 END; SELECT 2; END; SELECT 3;')
    expect(statements).toHaveLength(2)
  })
})
