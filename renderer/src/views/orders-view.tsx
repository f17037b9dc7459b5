import { useEffect, useState, type FormEvent } from 'react'
import { ContractError } from '../../../contract/contract.ts'
import { ORDER_STATUSES, type CustomerDto, type OrderDto, type OrderStatus } from '../../../contract/types.ts'
import { Empty, ErrorMessage, Loading } from '../components/states.tsx'
import { centsToInput, errorMessage, formatCents, formatTimestamp } from '../lib/format.ts'
import { parseAmount } from '../validation.ts'
import { useTenantCall, useTenantQuery } from '../data/queries.ts'
import { useWorkspace } from '../workspace.tsx'

function describe(error: unknown): string {
  return error instanceof ContractError && error.field ? `${error.field}: ${error.message}` : errorMessage(error)
}

/** The active tenant's orders: list, add (for one of its customers), edit amount and status, delete. */
export function OrdersView() {
  const tenant = useWorkspace().active?.schema ?? ''
  const orders = useTenantQuery('data/orders/list', {})
  const customers = useTenantQuery('data/customers/list', {})
  const [actionError, setActionError] = useState<string | undefined>(undefined)
  useEffect(() => setActionError(undefined), [tenant])

  const total = orders.data?.reduce((sum, o) => sum + (o.status === 'cancelled' ? 0 : o.amountCents), 0) ?? 0

  return (
    <section className="view" aria-labelledby="orders-title" data-testid="orders-view">
      <header className="view__header">
        <h2 id="orders-title">Orders</h2>
        {orders.data && <span className="view__count">{orders.data.length}</span>}
        {orders.data && orders.data.length > 0 && <span className="view__summary">{formatCents(total)} not cancelled</span>}
      </header>
      {customers.data && <AddOrderForm key={`add-${tenant}`} customers={customers.data} onAdded={orders.reload} />}
      {customers.error && <ErrorMessage title="Could not load customers for the order form." message={customers.error} onRetry={customers.reload} />}
      {actionError && <ErrorMessage message={actionError} />}
      {orders.error !== undefined ? (
        <ErrorMessage title="Could not load orders." message={orders.error} onRetry={orders.reload} testId="orders-error" />
      ) : orders.data === undefined ? (
        <Loading label="Loading orders…" testId="orders-loading" />
      ) : orders.data.length === 0 ? (
        <Empty testId="orders-empty">No orders yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="orders-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Customer</th>
                <th scope="col" className="table__num">
                  Amount
                </th>
                <th scope="col">Status</th>
                <th scope="col">Placed</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.data.map((order) => (
                <OrderRow key={order.id} order={order} onChanged={orders.reload} onError={setActionError} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function AddOrderForm({ customers, onAdded }: { customers: CustomerDto[]; onAdded: () => void }) {
  const call = useTenantCall()
  const [customerId, setCustomerId] = useState<number | ''>(customers[0]?.id ?? '')
  const [amount, setAmount] = useState('')
  const [status, setStatus] = useState<OrderStatus>('pending')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  if (customers.length === 0) return <p className="muted">Add a customer first; every order belongs to one.</p>

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (customerId === '') return setProblem('Choose a customer')
    const parsed = parseAmount(amount)
    if ('problem' in parsed) return setProblem(`Amount ${parsed.problem}`)
    setBusy(true)
    setProblem(undefined)
    try {
      await call('data/orders/create', { customerId, amountCents: parsed.cents, status })
      setAmount('')
      onAdded()
    } catch (error) {
      setProblem(describe(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="add-row" onSubmit={(event) => void submit(event)} noValidate aria-label="Add order" data-testid="add-order-form">
      <select className="input" aria-label="Customer" value={customerId} onChange={(event) => setCustomerId(Number(event.target.value))}>
        {customers.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      <input className="input input--amount" inputMode="decimal" aria-label="Amount" placeholder="Amount" value={amount} onChange={(event) => setAmount(event.target.value)} />
      <select className="input" aria-label="Status" value={status} onChange={(event) => setStatus(event.target.value as OrderStatus)}>
        {ORDER_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Adding…' : 'Add order'}
      </button>
      {problem && (
        <div className="add-row__error field__error" role="alert">
          {problem}
        </div>
      )}
    </form>
  )
}

function OrderRow({ order, onChanged, onError }: { order: OrderDto; onChanged: () => void; onError: (message: string | undefined) => void }) {
  const call = useTenantCall()
  const [editing, setEditing] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [amount, setAmount] = useState(centsToInput(order.amountCents))
  const [status, setStatus] = useState<OrderStatus>(order.status)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const save = async () => {
    const parsed = parseAmount(amount)
    if ('problem' in parsed) return setProblem(`Amount ${parsed.problem}`)
    setBusy(true)
    try {
      await call('data/orders/update', { id: order.id, amountCents: parsed.cents, status })
      setEditing(false)
      setProblem(undefined)
      onChanged()
    } catch (error) {
      setProblem(describe(error))
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    setBusy(true)
    onError(undefined)
    try {
      await call('data/orders/delete', { id: order.id })
      onChanged()
    } catch (error) {
      onError(`Could not delete order #${order.id}: ${errorMessage(error)}`)
      setBusy(false)
      setConfirming(false)
    }
  }

  return (
    <tr data-testid="order-row" data-id={order.id} className={editing ? 'table__row--editing' : undefined}>
      <td className="mono muted">{order.id}</td>
      <td className="table__strong">{order.customerName}</td>
      <td className="table__num">
        {editing ? (
          <>
            <input className="input input--amount" aria-label="Order amount" value={amount} onChange={(e) => setAmount(e.target.value)} autoFocus />
            {problem && (
              <div className="field__error" role="alert">
                {problem}
              </div>
            )}
          </>
        ) : (
          formatCents(order.amountCents)
        )}
      </td>
      <td>
        {editing ? (
          <select className="input" aria-label="Order status" value={status} onChange={(e) => setStatus(e.target.value as OrderStatus)}>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        ) : (
          <span className={`pill pill--status-${order.status}`}>{order.status}</span>
        )}
      </td>
      <td className="muted">{formatTimestamp(order.createdAt)}</td>
      <td className="table__actions">
        {editing ? (
          <>
            <button type="button" className="button button--small button--primary" disabled={busy} onClick={() => void save()}>
              Save
            </button>
            <button
              type="button"
              className="button button--small"
              onClick={() => {
                setEditing(false)
                setAmount(centsToInput(order.amountCents))
                setStatus(order.status)
                setProblem(undefined)
              }}
            >
              Cancel
            </button>
          </>
        ) : confirming ? (
          <>
            <button type="button" className="button button--small button--danger" disabled={busy} onClick={() => void remove()}>
              {busy ? 'Deleting…' : 'Confirm delete'}
            </button>
            <button type="button" className="button button--small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button type="button" className="button button--small" aria-label={`Edit order ${order.id}`} onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" className="button button--small button--ghost-danger" aria-label={`Delete order ${order.id}`} onClick={() => setConfirming(true)}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  )
}
