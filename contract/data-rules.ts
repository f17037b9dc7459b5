import { z } from 'zod'

/*
 * The rules of the demo project's tenant data (customers and orders), once:
 * the contract's call inputs, the tenant API's bodies and the console's
 * forms all validate with these schemas, and say the same thing when a value
 * breaks one. The tables' CHECK constraints (migrations/tenant/0001) are the
 * last word; tests/unit/data-rules.test.ts holds the two to each other.
 */

/** The statuses an order can be in. */
export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'cancelled'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

/** The longest customer name, in characters. */
export const CUSTOMER_NAME_MAX = 200
/** The longest email address (RFC 5321: 64 + 1 + 255). */
export const EMAIL_MAX = 320
/** The largest amount in cents: the column is a PostgreSQL integer. */
export const AMOUNT_CENTS_MAX = 2_147_483_647

// Control characters make names unprintable and NUL is refused by PostgreSQL text.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/
// Deliberately loose: one @, something on both sides, a dot in the domain. Deliverability is not ours to judge.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** A customer's name: trimmed, 1–200 characters, printable. */
export const customerName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(CUSTOMER_NAME_MAX, `must be at most ${CUSTOMER_NAME_MAX} characters`)
  .refine((name) => !CONTROL_CHARS.test(name), 'must not contain control characters')

/** An email address: trimmed, at most 320 characters, `local@domain.tld`. */
export const email = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(EMAIL_MAX, `must be at most ${EMAIL_MAX} characters`)
  .regex(EMAIL_PATTERN, 'must be an email address like name@example.com')

/** An order amount in integer cents. */
export const amountCents = z.number().int().min(0).max(AMOUNT_CENTS_MAX)

export const orderStatus = z.enum(ORDER_STATUSES)

/** A new customer's fields. */
export const customerFields = { name: customerName, email }
