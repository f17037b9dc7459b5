import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { assertSchemaName, domainProblem, schemaNameProblem } from '../../electron/main/tenancy/schema-name.ts'

describe('schema name rules', () => {
  it.each(['acme', 'a', '_private', 'tenant_42', 'a'.repeat(63), 'x1_y2'])('accepts %j', (name) => {
    expect(schemaNameProblem(name)).toBeUndefined()
  })

  it.each([
    ['quotes', 'ac"me'],
    ['single quote', "o'brien"],
    ['semicolon', 'acme;drop'],
    ['injection', 'x"; DROP SCHEMA public CASCADE; --'],
    ['space', 'ac me'],
    ['uppercase', 'Acme'],
    ['64 characters', 'a'.repeat(64)],
    ['pg_ prefix', 'pg_catalog2'],
    ['public', 'public'],
    ['information_schema', 'information_schema'],
    ['the statistics schema', 'schemata_stats'],
    ['reserved word select', 'select'],
    ['reserved word user', 'user'],
    ['reserved word table', 'table'],
    ['non-ASCII', 'acmé'],
    ['non-ASCII digits', 'acme٣'],
    ['empty', ''],
    ['leading digit', '1acme'],
    ['hyphen', 'ac-me'],
    ['dot', 'ac.me'],
    ['NUL', 'ac\u0000me'],
    ['newline', 'acme\n'],
  ])('rejects %s', (_label, name) => {
    const problem = schemaNameProblem(name)
    expect(problem).toBeTypeOf('string')
    expect(() => assertSchemaName(name)).toThrow(InvalidInputError)
    try {
      assertSchemaName(name)
    } catch (error) {
      expect((error as InvalidInputError).field).toBe('schema')
      expect((error as InvalidInputError).message).toMatch(/^schema: /)
    }
  })

  it('rejects non-strings', () => {
    expect(schemaNameProblem(42)).toBe('must be a string')
    expect(schemaNameProblem(undefined)).toBe('must be a string')
  })
})

describe('domain rules', () => {
  it.each(['acme.localhost', 'a.b.c.example', 'x-1.example'])('accepts %j', (domain) => {
    expect(domainProblem(domain)).toBeUndefined()
  })
  it.each(['', 'Acme.localhost', 'acme.localhost:80', '-a.example', 'a..b', 'a b.example', 'ä.example', 'a_b.example'])(
    'rejects %j',
    (domain) => {
      expect(domainProblem(domain)).toBeTypeOf('string')
    },
  )
})
