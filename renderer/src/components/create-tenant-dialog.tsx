import { useState, type FormEvent } from 'react'
import { ContractError } from '../../../contract/contract.ts'
import { defaultDomainFor } from '../../../contract/naming-rules.ts'
import type { TenantInfo } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import { useCallQuery } from '../data/queries.ts'
import { errorMessage } from '../lib/format.ts'
import { domainProblem, parseDomains, schemaNameProblem, suggestSchemaName, tenantNameProblem } from '../validation.ts'
import { DialogActions, FormAlert } from './dialog-parts.tsx'
import { Field } from './field.tsx'
import { Modal } from './modal.tsx'

type FieldName = 'name' | 'schema' | 'domains' | 'type'

/** Which form field a server error's `field` names ("domains[1]" → domains). */
export function formFieldOf(field: string | undefined): FieldName | undefined {
  if (field === undefined) return undefined
  if (field.startsWith('domain')) return 'domains'
  if (field === 'name' || field === 'schema' || field === 'type') return field
  return undefined
}

/** "domains: \"x\" already belongs…" → "\"x\" already belongs…": the field is already named by where the message sits. */
export function withoutFieldPrefix(error: ContractError): string {
  const prefix = `${error.field ?? ''}: `
  return error.field !== undefined && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message
}

export interface CreateTenantDialogProps {
  existingSchemas: ReadonlySet<string>
  onCreated: (tenant: TenantInfo) => void
  onClose: () => void
}

/** New tenant: the naming rules are checked as you type, and the server's own refusal is shown by its field. */
export function CreateTenantDialog({ existingSchemas, onCreated, onClose }: CreateTenantDialogProps) {
  const client = useClient()
  const [name, setName] = useState('')
  const [schema, setSchema] = useState('')
  const [schemaEdited, setSchemaEdited] = useState(false)
  const [domains, setDomains] = useState('')
  const [touched, setTouched] = useState<Record<FieldName, boolean>>({ name: false, schema: false, domains: false, type: false })
  const [serverErrors, setServerErrors] = useState<Partial<Record<FieldName, string>>>({})
  const [formError, setFormError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  // The project's tenant types: a choice only when it declares more than one.
  const project = useCallQuery('project/current', {}).data
  const types = project?.tenantTypes ?? []
  const [chosenType, setChosenType] = useState<string | undefined>(undefined)
  const type = chosenType ?? project?.defaultTenantType
  const typeInfo = types.find((t) => t.name === type)

  const domainList = parseDomains(domains)
  // What the server picks when no domain is given: underscores are not allowed in host names.
  const defaultDomain = defaultDomainFor(schema || 'acme', 'localhost') ?? 'tenant.localhost'
  const badDomain = domainList.map((d) => ({ d, problem: domainProblem(d) })).find((x) => x.problem !== undefined)
  const duplicateDomain = domainList.find((d, i) => domainList.indexOf(d) !== i)
  const local: Partial<Record<FieldName, string>> = {
    name: tenantNameProblem(name) && `Name ${tenantNameProblem(name)}`,
    schema:
      schemaNameProblem(schema) !== undefined
        ? `Schema ${schemaNameProblem(schema)}`
        : existingSchemas.has(schema)
          ? `Schema "${schema}" is already taken by another tenant`
          : undefined,
    domains: badDomain
      ? `Domain "${badDomain.d}" ${badDomain.problem}`
      : duplicateDomain
        ? `Domain "${duplicateDomain}" is listed twice`
        : undefined,
  }
  const shown = (field: FieldName) => (touched[field] ? local[field] : undefined) ?? serverErrors[field]

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setTouched({ name: true, schema: true, domains: true, type: true })
    if (local.name || local.schema || local.domains) return
    setBusy(true)
    setFormError(undefined)
    setServerErrors({})
    try {
      const tenant = await client.call('tenants/create', {
        name: name.trim(),
        schema,
        ...(domainList.length > 0 ? { domains: domainList } : {}),
        ...(types.length > 1 && type !== undefined ? { type } : {}),
      })
      onCreated(tenant)
    } catch (error) {
      const field = error instanceof ContractError ? formFieldOf(error.field) : undefined
      if (field && error instanceof ContractError) setServerErrors({ [field]: `Refused by the server: ${withoutFieldPrefix(error)}` })
      else setFormError(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title="New tenant" onClose={onClose} testId="create-tenant-dialog">
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <Field label="Name" error={shown('name')}>
          {(props) => (
            <input
              {...props}
              className="input"
              name="name"
              autoFocus
              autoComplete="off"
              value={name}
              placeholder="Acme Corporation"
              onChange={(event) => {
                setName(event.target.value)
                setServerErrors((e) => ({ ...e, name: undefined }))
                if (!schemaEdited) setSchema(suggestSchemaName(event.target.value))
              }}
              onBlur={() => setTouched((t) => ({ ...t, name: true }))}
            />
          )}
        </Field>
        <Field
          label="Schema"
          error={shown('schema')}
          hint={
            <>
              Lowercase letters, digits and <code>_</code>; up to 63 characters; not <code>public</code>, <code>pg_*</code> or an SQL
              keyword. It cannot be changed later.
            </>
          }
        >
          {(props) => (
            <input
              {...props}
              className="input input--mono"
              name="schema"
              autoComplete="off"
              spellCheck={false}
              value={schema}
              placeholder="acme"
              onChange={(event) => {
                setSchema(event.target.value)
                setSchemaEdited(true)
                setTouched((t) => ({ ...t, schema: true }))
                setServerErrors((e) => ({ ...e, schema: undefined }))
              }}
              onBlur={() => setTouched((t) => ({ ...t, schema: true }))}
            />
          )}
        </Field>
        <Field
          label="Domains (optional)"
          error={shown('domains')}
          hint={
            <>
              Host names that route to this tenant, separated by commas. Left empty: <code>{defaultDomain}</code>.
            </>
          }
        >
          {(props) => (
            <input
              {...props}
              className="input input--mono"
              name="domains"
              autoComplete="off"
              spellCheck={false}
              value={domains}
              placeholder={defaultDomain}
              onChange={(event) => {
                setDomains(event.target.value)
                setServerErrors((e) => ({ ...e, domains: undefined }))
              }}
              onBlur={() => setTouched((t) => ({ ...t, domains: true }))}
            />
          )}
        </Field>
        {types.length > 1 && (
          <Field label="Type" error={serverErrors.type} hint={typeInfo?.description ?? `Gets the ${typeInfo?.label ?? type ?? ''} migrations.`}>
            {(props) => (
              <select
                {...props}
                className="input"
                name="type"
                data-testid="create-tenant-type"
                value={type ?? ''}
                onChange={(event) => {
                  setChosenType(event.target.value)
                  setServerErrors((e) => ({ ...e, type: undefined }))
                }}
              >
                {types.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.label}
                    {t.name === project?.defaultTenantType ? ' (default)' : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <FormAlert message={formError} testId="create-tenant-error" />
        <DialogActions onClose={onClose}>
          <button type="submit" className="button button--primary" disabled={busy} data-testid="create-tenant-submit">
            {busy ? 'Creating…' : 'Create tenant'}
          </button>
        </DialogActions>
      </form>
    </Modal>
  )
}
