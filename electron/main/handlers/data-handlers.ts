import { Op, type WhereOptions } from 'sequelize'
import { SchemataError } from '../errors.ts'
import { toCustomerDto, toOrderDto } from '../tenancy/data-dto.ts'
import { inActiveTenant } from './active-scope.ts'
import type { HandlerTable } from './handler-types.ts'

function notFound(what: string, id: number, field: string): SchemataError {
  return new SchemataError('NOT_FOUND', `no ${what} with id ${id} in this tenant`, { field })
}

/** The fields of `input` an update names: an absent field is left as it is, not set to undefined. */
function changesFrom<T extends object, K extends keyof T>(input: T, fields: readonly K[]): Partial<Pick<T, K>> {
  const changes: Partial<Pick<T, K>> = {}
  for (const field of fields) if (input[field] !== undefined) changes[field] = input[field]
  return changes
}

/** Deletes one row by id in the active tenant, or says there was none. */
async function destroyById(model: { destroy(options: { where: { id: number } }): Promise<number> }, what: string, id: number): Promise<{ deleted: number }> {
  if ((await model.destroy({ where: { id } })) === 0) throw notFound(what, id, 'id')
  return { deleted: id }
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
    // The contract's rules (contract/data-rules.ts) have trimmed and checked both.
    const { name, email } = input
    return inActiveTenant(input, context, services, async () => toCustomerDto(await Customer.create({ name, email })))
  },

  async 'data/customers/update'(input, context, services) {
    const { Customer } = services.tenancy.models
    const changes = changesFrom(input, ['name', 'email'])
    return inActiveTenant(input, context, services, async () => {
      const row = await Customer.findByPk(input.id)
      if (row === null) throw notFound('customer', input.id, 'id')
      if (Object.keys(changes).length > 0) await row.update(changes)
      return toCustomerDto(row)
    })
  },

  async 'data/customers/delete'(input, context, services) {
    const { Customer } = services.tenancy.models
    // The customer's orders go with it (ON DELETE CASCADE).
    return inActiveTenant(input, context, services, () => destroyById(Customer, 'customer', input.id))
  },

  async 'data/orders/list'(input, context, services) {
    const { Customer, Order } = services.tenancy.models
    return inActiveTenant(input, context, services, async () => {
      const rows = await Order.findAll({
        include: [{ model: Customer, as: 'customer', attributes: ['name'] }],
        order: [['id', 'DESC']],
      })
      return rows.map((row) => toOrderDto(row))
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
      const changes = changesFrom(input, ['amountCents', 'status'])
      if (Object.keys(changes).length > 0) await row.update(changes)
      return toOrderDto(row)
    })
  },

  async 'data/orders/delete'(input, context, services) {
    const { Order } = services.tenancy.models
    return inActiveTenant(input, context, services, () => destroyById(Order, 'order', input.id))
  },
}
