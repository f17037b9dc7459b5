import { Op, type WhereOptions } from 'sequelize'
import type { CustomerDto, OrderDto } from '../../../contract/types.ts'
import { InvalidInputError, SchemataError } from '../errors.ts'
import type { Customer, Order } from '../tenancy/models.ts'
import { inActiveTenant } from './active-scope.ts'
import type { HandlerTable } from './handler-types.ts'

// Control characters make names unprintable and NUL is refused by PostgreSQL text.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/
// Deliberately loose: one @, something on both sides, a dot in the domain. Deliverability is not ours to judge.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** A customer name: trimmed, 1–200 characters, printable. */
export function validCustomerName(value: string, field = 'name'): string {
  const name = value.trim()
  if (name.length === 0) throw new InvalidInputError(field, 'must not be empty')
  if (name.length > 200) throw new InvalidInputError(field, 'must be at most 200 characters')
  if (CONTROL_CHARS.test(name)) throw new InvalidInputError(field, 'must not contain control characters')
  return name
}

/** An email address: trimmed, at most 320 characters, `local@domain.tld`. */
export function validEmail(value: string, field = 'email'): string {
  const email = value.trim()
  if (email.length === 0) throw new InvalidInputError(field, 'must not be empty')
  if (email.length > 320) throw new InvalidInputError(field, 'must be at most 320 characters')
  if (!EMAIL_PATTERN.test(email)) throw new InvalidInputError(field, 'must be an email address like name@example.com')
  return email
}

function notFound(what: string, id: number, field: string): SchemataError {
  return new SchemataError('NOT_FOUND', `no ${what} with id ${id} in this tenant`, { field })
}

function toCustomerDto(row: Customer): CustomerDto {
  return { id: row.id, name: row.name, email: row.email, createdAt: row.createdAt.toISOString() }
}

function toOrderDto(row: Order, customerName: string): OrderDto {
  return {
    id: row.id,
    customerId: row.customerId,
    customerName,
    amountCents: row.amountCents,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  }
}

/** `%`, `_` and `\` are LIKE metacharacters; a search for "50%" means those characters literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

type DataCalls =
  | 'data/customers/list'
  | 'data/customers/create'
  | 'data/customers/update'
  | 'data/customers/delete'
  | 'data/orders/list'
  | 'data/orders/create'
  | 'data/orders/update'
  | 'data/orders/delete'

/**
 * The active tenant's customers and orders. Every call runs inside the
 * window's tenant scope, where the models reach that tenant's tables only
 * (search_path and role are the tenant's), so no query names a schema.
 */
export const dataHandlers: Pick<HandlerTable, DataCalls> = {
  async 'data/customers/list'(input, context, services) {
    const { Customer } = services.tenancy.models
    const search = input.search?.trim() ?? ''
    const where: WhereOptions =
      search === ''
        ? {}
        : { [Op.or]: [{ name: { [Op.iLike]: likePattern(search) } }, { email: { [Op.iLike]: likePattern(search) } }] }
    return inActiveTenant(input, context, services, async () => {
      const rows = await Customer.findAll({ where, order: [['id', 'ASC']] })
      return rows.map(toCustomerDto)
    })
  },

  async 'data/customers/create'(input, context, services) {
    const { Customer } = services.tenancy.models
    const name = validCustomerName(input.name)
    const email = validEmail(input.email)
    return inActiveTenant(input, context, services, async () => toCustomerDto(await Customer.create({ name, email })))
  },

  async 'data/customers/update'(input, context, services) {
    const { Customer } = services.tenancy.models
    const changes: { name?: string; email?: string } = {}
    if (input.name !== undefined) changes.name = validCustomerName(input.name)
    if (input.email !== undefined) changes.email = validEmail(input.email)
    return inActiveTenant(input, context, services, async () => {
      const row = await Customer.findByPk(input.id)
      if (row === null) throw notFound('customer', input.id, 'id')
      if (Object.keys(changes).length > 0) await row.update(changes)
      return toCustomerDto(row)
    })
  },

  async 'data/customers/delete'(input, context, services) {
    const { Customer } = services.tenancy.models
    return inActiveTenant(input, context, services, async () => {
      // The customer's orders go with it (ON DELETE CASCADE).
      const deleted = await Customer.destroy({ where: { id: input.id } })
      if (deleted === 0) throw notFound('customer', input.id, 'id')
      return { deleted: input.id }
    })
  },

  async 'data/orders/list'(input, context, services) {
    const { Customer, Order } = services.tenancy.models
    return inActiveTenant(input, context, services, async () => {
      const rows = await Order.findAll({
        include: [{ model: Customer, as: 'customer', attributes: ['name'] }],
        order: [['id', 'DESC']],
      })
      return rows.map((row) => toOrderDto(row, customerNameOf(row)))
    })
  },

  async 'data/orders/create'(input, context, services) {
    const { Customer, Order } = services.tenancy.models
    return inActiveTenant(input, context, services, async () => {
      const customer = await Customer.findByPk(input.customerId)
      if (customer === null) throw notFound('customer', input.customerId, 'customerId')
      const row = await Order.create({
        customerId: customer.id,
        amountCents: input.amountCents,
        ...(input.status === undefined ? {} : { status: input.status }),
      })
      return toOrderDto(row, customer.name)
    })
  },

  async 'data/orders/update'(input, context, services) {
    const { Customer, Order } = services.tenancy.models
    return inActiveTenant(input, context, services, async () => {
      const row = await Order.findByPk(input.id, { include: [{ model: Customer, as: 'customer', attributes: ['name'] }] })
      if (row === null) throw notFound('order', input.id, 'id')
      const changes: { amountCents?: number; status?: Order['status'] } = {}
      if (input.amountCents !== undefined) changes.amountCents = input.amountCents
      if (input.status !== undefined) changes.status = input.status
      if (Object.keys(changes).length > 0) await row.update(changes)
      return toOrderDto(row, customerNameOf(row))
    })
  },

  async 'data/orders/delete'(input, context, services) {
    const { Order } = services.tenancy.models
    return inActiveTenant(input, context, services, async () => {
      const deleted = await Order.destroy({ where: { id: input.id } })
      if (deleted === 0) throw notFound('order', input.id, 'id')
      return { deleted: input.id }
    })
  },
}

/** The name of the customer an order was loaded with (`include: customer`). */
function customerNameOf(row: Order): string {
  const customer = row.get('customer') as Customer | undefined
  return customer?.name ?? ''
}
