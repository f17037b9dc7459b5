import { hashPassword } from '../auth/password.ts'
import type { OrderStatus } from '../tenancy/models.ts'
import type { Tenancy } from '../tenancy/service.ts'
import { TenantNotFoundError } from '../errors.ts'

interface DemoTenant {
  name: string
  schema: string
  customers: { name: string; email: string; orders: { amountCents: number; status: OrderStatus }[] }[]
}

/** Three tenants whose rows differ, so segregation is visible at a glance. */
export const DEMO_TENANTS: readonly DemoTenant[] = [
  {
    name: 'Acme Corporation',
    schema: 'acme',
    customers: [
      { name: 'Wile E. Coyote', email: 'wile@desert.example', orders: [{ amountCents: 129_900, status: 'paid' }, { amountCents: 4_999, status: 'shipped' }] },
      { name: 'Road Runner Logistics', email: 'beep@roadrunner.example', orders: [{ amountCents: 25_000, status: 'pending' }] },
      { name: 'Marvin Martian', email: 'marvin@mars.example', orders: [{ amountCents: 99_999, status: 'cancelled' }] },
    ],
  },
  {
    name: 'Globex Corporation',
    schema: 'globex',
    customers: [
      { name: 'Hank Scorpio', email: 'hank@globex.example', orders: [{ amountCents: 1_000_000, status: 'paid' }] },
      { name: 'Homer Simpson', email: 'homer@springfield.example', orders: [{ amountCents: 350, status: 'pending' }, { amountCents: 1_200, status: 'paid' }] },
    ],
  },
  {
    name: 'Initech',
    schema: 'initech',
    customers: [
      { name: 'Peter Gibbons', email: 'peter@initech.example', orders: [{ amountCents: 2_500, status: 'shipped' }] },
      { name: 'Milton Waddams', email: 'milton@initech.example', orders: [{ amountCents: 100, status: 'pending' }] },
      { name: 'Bill Lumbergh', email: 'bill@initech.example', orders: [] },
      { name: 'Samir Nagheenanajar', email: 'samir@initech.example', orders: [{ amountCents: 7_800, status: 'paid' }] },
    ],
  },
]

/** The demo user of a tenant: `admin@<schema>.example` / `<schema>-demo`. */
export function demoCredentials(schema: string): { email: string; password: string } {
  return { email: `admin@${schema}.example`, password: `${schema}-demo` }
}

export interface DemoResult {
  created: string[]
  existing: string[]
}

/** Creates the demo tenants and their sample rows; a second run changes nothing. */
export async function seedDemo(tenancy: Tenancy): Promise<DemoResult> {
  const result: DemoResult = { created: [], existing: [] }
  for (const demo of DEMO_TENANTS) {
    let exists = true
    try {
      await tenancy.getTenant(demo.schema)
    } catch (error) {
      if (!(error instanceof TenantNotFoundError)) throw error
      exists = false
    }
    if (!exists) {
      await tenancy.createTenant({ name: demo.name, schema: demo.schema, domains: [`${demo.schema}.localhost`] })
    }
    const { email, password } = demoCredentials(demo.schema)
    const passwordHash = await hashPassword(password)
    const { Customer, Order, User } = tenancy.models
    // The seed is one transaction keyed on "no users yet": a run cut short is simply redone.
    const seeded = await tenancy.withTenant(demo.schema, async () => {
      if ((await User.count()) > 0) return false
      await User.create({ email, passwordHash, role: 'admin' })
      for (const customer of demo.customers) {
        const row = await Customer.create({ name: customer.name, email: customer.email })
        for (const order of customer.orders) {
          await Order.create({ customerId: row.id, amountCents: order.amountCents, status: order.status })
        }
      }
      return true
    })
    if (!seeded && exists) {
      result.existing.push(demo.schema)
      continue
    }
    result.created.push(demo.schema)
  }
  return result
}
