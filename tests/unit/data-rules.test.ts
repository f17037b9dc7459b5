// @vitest-environment happy-dom
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AMOUNT_CENTS_MAX, CUSTOMER_NAME_MAX, EMAIL_MAX, ORDER_STATUSES } from '../../contract/data-rules.ts'
import { InvalidInputError } from '../../electron/main/errors.ts'
import { validateInput } from '../../electron/main/handlers/input-validation.ts'
import { customerProblems, parseAmount } from '../../renderer/src/validation.ts'

/*
 * The customer and order rules live once, in contract/data-rules.ts. The
 * migration that made the tables is history and keeps its own literal CHECKs;
 * these tests hold the two together, and hold the console's form to the very
 * answer the contract call gives.
 */

/** The demo project's first tenant migration, as shipped. */
function migrationSql(): string {
  // From the repository root, where the tests run (happy-dom's import.meta.url is not a file URL).
  return readFileSync(resolve('migrations/tenant/0001_create_customers_orders.sql'), 'utf8')
}

describe('the data rules agree with the tables', () => {
  it('order statuses, name and email lengths, amounts', () => {
    const sql = migrationSql()
    const statuses = /CHECK \(status IN \(([^)]*)\)\)/.exec(sql)?.[1]
    expect(statuses?.split(',').map((s) => s.trim().replace(/'/g, ''))).toEqual([...ORDER_STATUSES])
    expect(sql).toContain(`CHECK (length(name) BETWEEN 1 AND ${CUSTOMER_NAME_MAX})`)
    expect(sql).toContain(`CHECK (length(email) BETWEEN 3 AND ${EMAIL_MAX})`)
    expect(sql).toMatch(/amount_cents +integer NOT NULL CHECK \(amount_cents >= 0\)/)
    expect(AMOUNT_CENTS_MAX).toBe(2 ** 31 - 1)
  })
})

/** The rule the contract call refuses a customer with, per field. */
function contractProblems(input: { name: string; email: string }): { name?: string; email?: string } {
  const problems: { name?: string; email?: string } = {}
  for (const field of ['name', 'email'] as const) {
    const valid = { name: 'Valid', email: 'valid@example.com', [field]: input[field] }
    try {
      validateInput('data/customers/create', { tenant: 'acme', ...valid })
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      expect(error.field).toBe(field)
      problems[field] = error.message.slice(`${field}: `.length)
    }
  }
  return problems
}

const NAMES = ['Acme', '', '   ', '  Padded  ', 'x'.repeat(CUSTOMER_NAME_MAX), 'x'.repeat(CUSTOMER_NAME_MAX + 1), 'nul\u0000byte', 'tab\tname']
const EMAILS = ['a@b.example', 'a@b', '', ' ', 'no-at.example', 'two@@at.example', 'sp ace@x.example', `${'a'.repeat(310)}@b.example`, `${'a'.repeat(320)}@b.example`]

describe('the console form says what the contract says', () => {
  it.each(NAMES)('name %j', (name) => {
    expect(customerProblems({ name, email: 'valid@example.com' }).name).toBe(contractProblems({ name, email: 'valid@example.com' }).name)
  })
  it.each(EMAILS)('email %j', (email) => {
    expect(customerProblems({ name: 'Valid', email }).email).toBe(contractProblems({ name: 'Valid', email }).email)
  })
  it('accepts what the contract accepts and refuses the rest', () => {
    expect(customerProblems({ name: 'Acme', email: 'a@b' })).toEqual({ email: 'must be an email address like name@example.com' })
    expect(customerProblems({ name: '  Acme ', email: ' a@b.example ' })).toEqual({})
  })
  it('amounts: the largest the column holds, and no more', () => {
    expect(parseAmount(String(AMOUNT_CENTS_MAX / 100))).toEqual({ cents: AMOUNT_CENTS_MAX })
    expect(parseAmount('21474836.48')).toEqual({ problem: 'is too large' })
  })
})
