import type { CustomerDto, OrderDto } from '../../../contract/types.ts'
import type { Customer, Order } from './models.ts'

/** A customer row as the contract and the tenant API carry it. */
export function toCustomerDto(row: Customer): CustomerDto {
  return { id: row.id, name: row.name, email: row.email, createdAt: row.createdAt.toISOString() }
}

/** An order row with its customer's name: given, or the one it was loaded with (`include: customer`). */
export function toOrderDto(row: Order, customerName: string = customerNameOf(row)): OrderDto {
  return {
    id: row.id,
    customerId: row.customerId,
    customerName,
    amountCents: row.amountCents,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  }
}

function customerNameOf(row: Order): string {
  const customer = row.get('customer') as Customer | null | undefined
  return customer?.name ?? ''
}
