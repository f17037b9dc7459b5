import { useId, type FormEvent, type KeyboardEvent } from 'react'
import type { CallInput } from '../../../contract/contract.ts'

/*
 * The request a presenter composes: method, host, path, headers, body — and
 * the scenarios of a routing demo as one-click presets.
 */

export type Method = CallInput<'requests/send'>['method']
export const METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']
export const PATH_PICKS = ['/api/tenant', '/api/customers', '/api/orders', '/api/login'] as const

export interface HeaderRow {
  id: number
  name: string
  value: string
}

export interface RequestDraft {
  method: Method
  host: string
  path: string
  headers: HeaderRow[]
  body: string
}

export type PresetId = 'subdomain' | 'header' | 'conflict' | 'unknown' | 'login'

export const PRESETS: readonly { id: PresetId; label: string; title: string }[] = [
  { id: 'subdomain', label: 'Subdomain', title: 'GET /api/tenant on a subdomain of localhost that names the tenant' },
  { id: 'header', label: 'X-Tenant header', title: 'GET /api/tenant on localhost with an X-Tenant header' },
  { id: 'conflict', label: 'Conflicting host + header', title: 'A host naming one tenant and an X-Tenant header naming another: refused with 400' },
  { id: 'unknown', label: 'Unknown tenant', title: 'A subdomain no tenant owns: 404' },
  { id: 'login', label: 'Log in as demo user', title: 'POST /api/login with admin@<tenant>.example / <tenant>-demo' },
]

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** What is wrong with a header name, if anything (the contract's rule, said before sending). */
export function headerNameProblem(name: string): string | undefined {
  if (name === '') return undefined
  return HEADER_NAME.test(name) ? undefined : 'is not a valid header name (letters, digits and - only)'
}

export function hasBody(method: Method): boolean {
  return method !== 'GET' && method !== 'HEAD'
}

export interface LastToken {
  token: string
  tenant: string | null
  expiresAt: string | undefined
}

/** The scenarios of a routing demo, one click each (filled and sent), for a tenant picked alongside. */
export function RequestPresets({
  presetTenant,
  tenantOptions,
  onPresetTenant,
  onPreset,
  disabled,
}: {
  presetTenant: string
  tenantOptions: readonly { schema: string; name: string }[]
  onPresetTenant: (schema: string) => void
  onPreset: (preset: PresetId) => void
  /** While a request is on its way, or where no tenant API server runs. */
  disabled: boolean
}) {
  const id = useId()
  if (tenantOptions.length === 0) {
    return (
      <div className="requests-presets" data-testid="requests-presets">
        <span className="requests-presets__title">Scenarios</span>
        <span className="muted" data-testid="requests-presets-none">
          There are no tenants yet: create one (or load the demo) and each scenario sends a request to it in one click.
        </span>
      </div>
    )
  }
  return (
    <div className="requests-presets" role="group" aria-labelledby={`${id}-presets`} data-testid="requests-presets">
      <span className="requests-presets__title" id={`${id}-presets`}>
        Scenarios
      </span>
      <label className="requests-presets__tenant">
        for
        <select
          className="input input--mono"
          value={presetTenant}
          onChange={(event) => onPresetTenant(event.target.value)}
          data-testid="requests-preset-tenant"
          aria-label="Tenant for the scenarios"
        >
          {tenantOptions.map((t) => (
            <option key={t.schema} value={t.schema}>
              {t.schema}
            </option>
          ))}
        </select>
      </label>
      <div className="requests-presets__buttons">
        {PRESETS.map((preset) => (
          <button
            key={preset.id}
            type="button"
            className="button button--small requests-preset"
            title={`${preset.title} — sent at once`}
            disabled={disabled}
            onClick={() => onPreset(preset.id)}
            data-testid={`requests-preset-${preset.id}`}
          >
            {preset.label}
          </button>
        ))}
      </div>
    </div>
  )
}

export function RequestForm({
  draft,
  onChange,
  onSend,
  onUseToken,
  sending,
  disabled,
  presetTenant,
  lastToken,
}: {
  draft: RequestDraft
  onChange: (draft: RequestDraft) => void
  onSend: () => void
  onUseToken: () => void
  sending: boolean
  disabled: boolean
  /** The tenant the scenarios are for (the demo login body of /api/login falls back to it). */
  presetTenant: string
  lastToken: LastToken | undefined
}) {
  const id = useId()
  const problems = draft.headers.map((row) => headerNameProblem(row.name.trim()))
  const invalid = problems.some(Boolean) || draft.host.trim() === '' || !draft.path.startsWith('/')
  const bodyAllowed = hasBody(draft.method)

  const set = (patch: Partial<RequestDraft>) => onChange({ ...draft, ...patch })
  const setRow = (rowId: number, patch: Partial<HeaderRow>) => set({ headers: draft.headers.map((row) => (row.id === rowId ? { ...row, ...patch } : row)) })
  const addRow = () => set({ headers: [...draft.headers, { id: nextRowId(draft.headers), name: '', value: '' }] })
  const removeRow = (rowId: number) => set({ headers: draft.headers.filter((row) => row.id !== rowId) })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!invalid && !sending && !disabled) onSend()
  }
  const sendOnCtrlEnter = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit(event)
  }

  return (
    <form className="card requests-form" onSubmit={submit} noValidate aria-label="Tenant API request" data-testid="requests-form">
      <div className="requests-form__line">
        <div className="requests-form__field requests-form__field--method">
          <label className="requests-form__label" htmlFor={`${id}-method`}>
            Method
          </label>
          <select
            id={`${id}-method`}
            className="input input--mono"
            value={draft.method}
            onChange={(event) => set({ method: event.target.value as Method })}
            data-testid="requests-method"
          >
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div className="requests-form__field requests-form__field--grow">
          <label className="requests-form__label" htmlFor={`${id}-host`}>
            Host
          </label>
          <input
            id={`${id}-host`}
            className="input input--mono"
            value={draft.host}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={draft.host.trim() === ''}
            onChange={(event) => set({ host: event.target.value })}
            data-testid="requests-host"
          />
        </div>
      </div>

      <div className="requests-form__field">
        <label className="requests-form__label" htmlFor={`${id}-path`}>
          Path
        </label>
        <input
          id={`${id}-path`}
          className="input input--mono"
          value={draft.path}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={!draft.path.startsWith('/')}
          onChange={(event) => set({ path: event.target.value })}
          data-testid="requests-path"
        />
        <div className="requests-picks" id={`${id}-paths`} role="group" aria-label="Quick paths">
          {PATH_PICKS.map((path) => (
            <button
              key={path}
              type="button"
              className={`requests-pick ${draft.path === path ? 'requests-pick--current' : ''}`}
              aria-pressed={draft.path === path}
              onClick={() => onChange(pickPath(draft, path, presetTenant))}
              data-testid="requests-path-pick"
              data-path={path}
            >
              {path}
            </button>
          ))}
        </div>
      </div>

      <fieldset className="requests-form__headers" data-testid="requests-headers">
        <legend className="requests-form__label">Headers</legend>
        {draft.headers.length === 0 && <p className="requests-form__none">No headers of your own (Host is the field above).</p>}
        {draft.headers.map((row, index) => (
          <div key={row.id} className="requests-header-row" data-testid="requests-header-row">
            <input
              className="input input--mono"
              placeholder="Header"
              aria-label={`Header ${index + 1} name`}
              value={row.name}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={Boolean(problems[index])}
              onChange={(event) => setRow(row.id, { name: event.target.value })}
              data-testid="requests-header-name"
            />
            <input
              className="input input--mono"
              placeholder="Value"
              aria-label={`Header ${index + 1} value`}
              value={row.value}
              spellCheck={false}
              autoComplete="off"
              onChange={(event) => setRow(row.id, { value: event.target.value })}
              data-testid="requests-header-value"
            />
            <button type="button" className="button button--small button--ghost-danger" aria-label={`Remove header ${row.name || index + 1}`} onClick={() => removeRow(row.id)}>
              ×
            </button>
            {problems[index] && (
              <div className="field__error requests-header-row__error" role="alert">
                {row.name} {problems[index]}
              </div>
            )}
          </div>
        ))}
        <div className="requests-form__header-actions">
          <button type="button" className="button button--small" onClick={addRow} data-testid="requests-add-header">
            + Add header
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={onUseToken}
            disabled={!lastToken}
            title={lastToken ? undefined : 'Log in first: the token of the last successful POST /api/login is kept here'}
            data-testid="requests-use-token"
          >
            Use last token
          </button>
          {lastToken && (
            <span className="requests-form__token" data-testid="requests-token-info">
              token from {lastToken.tenant ?? 'a'} login
            </span>
          )}
        </div>
      </fieldset>

      {bodyAllowed ? (
        <div className="requests-form__field">
          <label className="requests-form__label" htmlFor={`${id}-body`}>
            Body <span className="requests-form__hint">(JSON)</span>
          </label>
          <textarea
            id={`${id}-body`}
            className="input input--mono requests-form__body"
            rows={3}
            value={draft.body}
            spellCheck={false}
            placeholder="{ }"
            onChange={(event) => set({ body: event.target.value })}
            onKeyDown={sendOnCtrlEnter}
            data-testid="requests-body-input"
          />
        </div>
      ) : null}

      <div className="requests-form__actions">
        {!bodyAllowed && (
          <span className="requests-form__hint" data-testid="requests-no-body">
            A {draft.method} request has no body.
          </span>
        )}
        <button type="submit" className="button button--primary requests-form__send" disabled={invalid || sending || disabled} data-testid="requests-send">
          {sending ? (
            <>
              <span className="spinner spinner--light" aria-hidden="true" /> Sending…
            </>
          ) : (
            'Send'
          )}
        </button>
      </div>
    </form>
  )
}

function nextRowId(rows: readonly HeaderRow[]): number {
  return rows.reduce((max, row) => Math.max(max, row.id), 0) + 1
}

/** Sets or replaces a header (by name, case-insensitive); an empty value removes it. */
export function withHeader(rows: readonly HeaderRow[], name: string, value: string | undefined): HeaderRow[] {
  const lower = name.toLowerCase()
  const index = rows.findIndex((row) => row.name.trim().toLowerCase() === lower)
  if (value === undefined) return rows.filter((row) => row.name.trim().toLowerCase() !== lower)
  if (index === -1) return [...rows, { id: nextRowId(rows), name, value }]
  return rows.map((row, i) => (i === index ? { ...row, name, value } : row))
}

/** The demo user's sign-in body for a tenant. */
export function demoLoginBody(schema: string): string {
  return JSON.stringify({ email: `admin@${schema}.example`, password: `${schema}-demo` })
}

/** The tenant a draft seems aimed at: `<schema>.localhost`, else its X-Tenant header, else `fallback`. */
export function draftTenant(draft: RequestDraft, fallback: string): string {
  const label = /^([a-z0-9_-]+)\.localhost(:\d+)?$/i.exec(draft.host.trim())?.[1]
  if (label) return label.toLowerCase().replaceAll('-', '_')
  const header = draft.headers.find((row) => row.name.trim().toLowerCase() === 'x-tenant')?.value.trim()
  return header || fallback
}

/** A quick path: reads are GETs without a body; /api/login is the demo user's POST. */
function pickPath(draft: RequestDraft, path: (typeof PATH_PICKS)[number], fallback: string): RequestDraft {
  if (path === '/api/login') return { ...draft, path, method: 'POST', body: demoLoginBody(draftTenant(draft, fallback)) }
  return { ...draft, path, method: 'GET', body: '' }
}
