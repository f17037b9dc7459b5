// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import * as server from '../../electron/main/tenancy/schema-name.ts'
import * as renderer from '../../renderer/src/validation.ts'

/*
 * The renderer keeps a copy of the naming rules so the create dialog can answer
 * as the user types. This test holds the copy to the server's rules: a change
 * on one side without the other fails here.
 */

const SCHEMAS = [
  'acme', '_private', 'a', 'a'.repeat(63), 'a'.repeat(64), '', 'Acme', '9lives', 'with-dash', 'with space', 'ünïcode',
  'public', 'information_schema', 'pg_catalog', 'pg_', 'pgx', 'select', 'user', 'table', 'order', 'names', 'tenant_01',
  'drop', 'current_user', 'window', 'quote"d', "semi;colon", 'tab\tin',
]
const DOMAINS = [
  'acme.localhost', 'a.b.c', 'UPPER.example', 'under_score.example', '-lead.example', 'trail-.example', 'ok-inner.example',
  'port.example:80', '', 'a'.repeat(64) + '.example', 'x'.repeat(254), 'localhost', 'sp ace.example', 'dot..example',
]
const NAMES = ['Acme', '', '   ', 'x'.repeat(100), 'x'.repeat(101), 'nul\u0000byte', 'tab\tname', 'Ünïcødé Ltd.']

describe('renderer validation mirrors the server rules', () => {
  it.each(SCHEMAS)('schema %j', (schema) => {
    expect(renderer.schemaNameProblem(schema)).toBe(server.schemaNameProblem(schema))
  })
  it.each(DOMAINS)('domain %j', (domain) => {
    expect(renderer.domainProblem(domain)).toBe(server.domainProblem(domain))
  })
  it.each(NAMES)('name %j', (name) => {
    expect(renderer.tenantNameProblem(name)).toBe(server.tenantNameProblem(name))
  })
})

describe('helpers', () => {
  it('suggests valid schema names from display names', () => {
    expect(renderer.suggestSchemaName('Acme Corporation')).toBe('acme_corporation')
    expect(renderer.suggestSchemaName('  Café & Co. ')).toBe('cafe_co')
    expect(renderer.suggestSchemaName('3M')).toBe('t_3m')
    expect(renderer.schemaNameProblem(renderer.suggestSchemaName('x'.repeat(80)))).toBeUndefined()
  })

  it('splits a domain field on commas, spaces and new lines', () => {
    expect(renderer.parseDomains(' a.example, b.example\nc.example  ')).toEqual(['a.example', 'b.example', 'c.example'])
    expect(renderer.parseDomains('')).toEqual([])
  })

  it('parses amounts to integer cents', () => {
    expect(renderer.parseAmount('12.5')).toEqual({ cents: 1250 })
    expect(renderer.parseAmount('1,299.99')).toEqual({ cents: 129_999 })
    expect(renderer.parseAmount('0')).toEqual({ cents: 0 })
    expect(renderer.parseAmount('-1')).toHaveProperty('problem')
    expect(renderer.parseAmount('1.234')).toHaveProperty('problem')
    expect(renderer.parseAmount('99999999')).toHaveProperty('problem')
  })
})
