import { useEffect, useState, type FormEvent } from 'react'
import { ContractError } from '../../../contract/contract.ts'
import type { CustomerDto } from '../../../contract/types.ts'
import { Empty, ErrorMessage, Loading } from '../components/states.tsx'
import { errorMessage, formatTimestamp } from '../lib/format.ts'
import { customerProblems } from '../validation.ts'
import { useTenantCall, useTenantQuery } from '../data/queries.ts'
import { useWorkspace } from '../workspace.tsx'

type Problems = { name?: string | undefined; email?: string | undefined; form?: string | undefined }

function serverProblems(error: unknown): Problems {
  if (error instanceof ContractError && (error.field === 'name' || error.field === 'email')) return { [error.field]: error.message }
  return { form: errorMessage(error) }
}

/** The active tenant's customers: list, search, add, edit, delete. */
export function CustomersView() {
  const { active } = useWorkspace()
  const tenant = active?.schema ?? ''
  const [search, setSearch] = useState('')
  const [query, setQuery] = useState('')
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 200)
    return () => clearTimeout(timer)
  }, [search])

  const customers = useTenantQuery('data/customers/list', query ? { search: query } : {})
  const [actionError, setActionError] = useState<string | undefined>(undefined)
  // A half-typed row belongs to the tenant it was typed for: a switch resets the forms.
  useEffect(() => setActionError(undefined), [tenant])

  return (
    <section className="view" aria-labelledby="customers-title" data-testid="customers-view">
      <header className="view__header">
        <h2 id="customers-title">Customers</h2>
        {customers.data && <span className="view__count">{customers.data.length}</span>}
        <input
          type="search"
          className="input view__search"
          placeholder="Search name or email…"
          aria-label="Search customers"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
      </header>
      <AddCustomerForm key={`add-${tenant}`} onAdded={customers.reload} tenantName={active?.name ?? ''} />
      {actionError && <ErrorMessage message={actionError} />}
      {customers.error !== undefined ? (
        <ErrorMessage title="Could not load customers." message={customers.error} onRetry={customers.reload} testId="customers-error" />
      ) : customers.data === undefined ? (
        <Loading label="Loading customers…" testId="customers-loading" />
      ) : customers.data.length === 0 ? (
        <Empty testId="customers-empty">{query ? `No customer matches “${query}”.` : 'No customers yet. Add the first one above.'}</Empty>
      ) : (
        <div className={`table-wrap ${customers.loading ? 'table-wrap--refreshing' : ''}`}>
          <table className="table" data-testid="customers-table" data-tenant={tenant}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {customers.data.map((customer) => (
                <CustomerRow key={customer.id} customer={customer} onChanged={customers.reload} onError={setActionError} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function AddCustomerForm({ onAdded, tenantName }: { onAdded: () => void; tenantName: string }) {
  const call = useTenantCall()
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [problems, setProblems] = useState<Problems>({})
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const local = customerProblems({ name, email })
    if (local.name || local.email) return setProblems(local)
    setBusy(true)
    setProblems({})
    try {
      await call('data/customers/create', { name: name.trim(), email: email.trim() })
      setName('')
      setEmail('')
      onAdded()
    } catch (error) {
      setProblems(serverProblems(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="add-row" onSubmit={(event) => void submit(event)} noValidate aria-label="Add customer" data-testid="add-customer-form">
      <div className="add-row__field">
        <input
          className="input"
          aria-label="New customer name"
          placeholder="Name"
          value={name}
          aria-invalid={Boolean(problems.name)}
          onChange={(event) => setName(event.target.value)}
        />
        {problems.name && (
          <div className="field__error" role="alert">
            Name {problems.name}
          </div>
        )}
      </div>
      <div className="add-row__field">
        <input
          className="input"
          type="email"
          aria-label="New customer email"
          placeholder="email@example.com"
          value={email}
          aria-invalid={Boolean(problems.email)}
          onChange={(event) => setEmail(event.target.value)}
        />
        {problems.email && (
          <div className="field__error" role="alert">
            Email {problems.email}
          </div>
        )}
      </div>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Adding…' : `Add to ${tenantName}`}
      </button>
      {problems.form && (
        <div className="add-row__error field__error" role="alert">
          {problems.form}
        </div>
      )}
    </form>
  )
}

function CustomerRow({ customer, onChanged, onError }: { customer: CustomerDto; onChanged: () => void; onError: (message: string | undefined) => void }) {
  const call = useTenantCall()
  const [editing, setEditing] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [name, setName] = useState(customer.name)
  const [email, setEmail] = useState(customer.email)
  const [problems, setProblems] = useState<Problems>({})
  const [busy, setBusy] = useState(false)

  const save = async () => {
    const local = customerProblems({ name, email })
    if (local.name || local.email) return setProblems(local)
    setBusy(true)
    try {
      await call('data/customers/update', { id: customer.id, name: name.trim(), email: email.trim() })
      setEditing(false)
      setProblems({})
      onChanged()
    } catch (error) {
      setProblems(serverProblems(error))
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    setBusy(true)
    onError(undefined)
    try {
      await call('data/customers/delete', { id: customer.id })
      onChanged()
    } catch (error) {
      onError(`Could not delete ${customer.name}: ${errorMessage(error)}`)
      setBusy(false)
      setConfirming(false)
    }
  }

  if (editing) {
    return (
      <tr data-testid="customer-row" data-id={customer.id} className="table__row--editing">
        <td>
          <input className="input" aria-label="Customer name" value={name} aria-invalid={Boolean(problems.name)} onChange={(e) => setName(e.target.value)} autoFocus />
          {problems.name && (
            <div className="field__error" role="alert">
              Name {problems.name}
            </div>
          )}
        </td>
        <td>
          <input className="input" aria-label="Customer email" value={email} aria-invalid={Boolean(problems.email)} onChange={(e) => setEmail(e.target.value)} />
          {problems.email && (
            <div className="field__error" role="alert">
              Email {problems.email}
            </div>
          )}
          {problems.form && (
            <div className="field__error" role="alert">
              {problems.form}
            </div>
          )}
        </td>
        <td className="muted">{formatTimestamp(customer.createdAt)}</td>
        <td className="table__actions">
          <button type="button" className="button button--small button--primary" disabled={busy} onClick={() => void save()}>
            Save
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setEditing(false)
              setName(customer.name)
              setEmail(customer.email)
              setProblems({})
            }}
          >
            Cancel
          </button>
        </td>
      </tr>
    )
  }

  return (
    <tr data-testid="customer-row" data-id={customer.id}>
      <td className="table__strong">{customer.name}</td>
      <td className="mono">{customer.email}</td>
      <td className="muted">{formatTimestamp(customer.createdAt)}</td>
      <td className="table__actions">
        {confirming ? (
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
            <button type="button" className="button button--small" aria-label={`Edit ${customer.name}`} onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" className="button button--small button--ghost-danger" aria-label={`Delete ${customer.name}`} onClick={() => setConfirming(true)}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  )
}
