import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { TenantApiResponse } from '../../../contract/types.ts'
import { useClient } from '../client/client-context.tsx'
import {
  demoLoginBody,
  hasBody,
  RequestForm,
  RequestPresets,
  withHeader,
  type LastToken,
  type PresetId,
  type RequestDraft,
} from '../components/requests-form.tsx'
import { isServerMissing, RequestLogTable, useRequestLog } from '../components/requests-log.tsx'
import { RequestResult, type SentRequest } from '../components/requests-result.tsx'
import { useScrollIntoView } from '../lib/scroll-into-view.ts'
import { Empty, ErrorMessage, Loading } from '../components/states.tsx'
import { errorMessage } from '../lib/format.ts'
import { useWorkspace } from '../workspace.tsx'
import '../styles/requests.css'

/** A host no tenant owns, for the "unknown tenant" scenario. */
const UNKNOWN_HOST = 'no-such-tenant.localhost'

/** The port this console is served on (browser mode); none inside Electron, whose pages are not served over HTTP. */
function consolePort(): string {
  const { protocol, port } = window.location
  return protocol === 'http:' || protocol === 'https:' ? port : ''
}

function tokenOf(json: unknown): { token: string; expiresAt: string | undefined } | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const { token, expiresAt } = json as { token?: unknown; expiresAt?: unknown }
  return typeof token === 'string' && token !== '' ? { token, expiresAt: typeof expiresAt === 'string' ? expiresAt : undefined } : undefined
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * The Requests panel: a presenter types a host, headers and a body, sends a
 * real HTTP request to the local server's tenant API, and sees which tenant
 * and schema it reached and how — with a live log of every API request the
 * server answers, whoever sent it.
 */
export function RequestsView() {
  const client = useClient()
  const { active, tenants } = useWorkspace()
  const log = useRequestLog(client)
  const port = useMemo(consolePort, [])
  const withPort = useCallback((host: string) => (port ? `${host}:${port}` : host), [port])
  const hostFor = useCallback((schema: string) => withPort(`${schema.replaceAll('_', '-')}.localhost`), [withPort])

  // With no tenants at all there is none to aim at: the bare host, and no scenarios (never a made-up tenant).
  const defaultSchema = active?.schema ?? tenants?.[0]?.schema ?? ''
  const defaultHost = useCallback((schema: string) => (schema === '' ? withPort('localhost') : hostFor(schema)), [hostFor, withPort])
  const [presetTenant, setPresetTenant] = useState(defaultSchema)
  const [draft, setDraft] = useState<RequestDraft>(() => ({ method: 'GET', host: defaultHost(defaultSchema), path: '/api/tenant', headers: [], body: '' }))
  // What was filled in automatically: it follows the active tenant until the presenter types something else.
  const auto = useRef({ schema: defaultSchema, host: draft.host })
  useEffect(() => {
    if (auto.current.schema === defaultSchema) return
    const host = defaultHost(defaultSchema)
    const before = auto.current
    auto.current = { schema: defaultSchema, host }
    setPresetTenant((current) => (current === before.schema ? defaultSchema : current))
    setDraft((current) => (current.host === before.host ? { ...current, host } : current))
  }, [defaultSchema, defaultHost])

  const tenantOptions = useMemo(() => {
    const list = (tenants ?? []).map((t) => ({ schema: t.schema, name: t.name }))
    return presetTenant === '' || list.some((t) => t.schema === presetTenant) ? list : [{ schema: presetTenant, name: presetTenant }, ...list]
  }, [tenants, presetTenant])
  const names = useMemo(() => new Map((tenants ?? []).map((t) => [t.schema, t.name])), [tenants])
  const tenantName = useCallback((schema: string) => names.get(schema), [names])
  // The demo registers <schema>.localhost as an exact domain, which wins over the subdomain rule: go one level deeper.
  const subdomainHost = (schema: string) => {
    const label = schema.replaceAll('_', '-')
    const registered = tenants?.find((t) => t.schema === schema)?.domains.includes(`${label}.localhost`) ?? false
    return withPort(registered ? `app.${label}.localhost` : `${label}.localhost`)
  }

  const [sending, setSending] = useState(false)
  const [result, setResult] = useState<{ request: SentRequest; response: TenantApiResponse } | undefined>(undefined)
  const responseRef = useScrollIntoView<HTMLElement>(result)
  const [sendError, setSendError] = useState<string | undefined>(undefined)
  const [lastToken, setLastToken] = useState<LastToken | undefined>(undefined)
  const sendCount = useRef(0)

  /** The presenter changed the request: the response on screen answered the old one, so it goes. */
  const edit = (next: RequestDraft) => {
    setDraft(next)
    if (!sending) {
      setResult(undefined)
      setSendError(undefined)
    }
  }

  /** A scenario is a whole request: one click fills the form and sends it. */
  const applyPreset = (preset: PresetId) => {
    const schema = presetTenant
    if (schema === '') return
    const other = tenantOptions.find((t) => t.schema !== schema)?.schema ?? 'other'
    const read = { ...draft, method: 'GET' as const, path: '/api/tenant', body: '' }
    const next: RequestDraft = (() => {
      switch (preset) {
        case 'subdomain':
          return { ...read, host: subdomainHost(schema), headers: withHeader(draft.headers, 'X-Tenant', undefined) }
        case 'header':
          return { ...read, host: withPort('localhost'), headers: withHeader(draft.headers, 'X-Tenant', schema) }
        case 'conflict':
          return { ...read, host: hostFor(schema), headers: withHeader(draft.headers, 'X-Tenant', other) }
        case 'unknown':
          return { ...read, host: withPort(UNKNOWN_HOST), headers: withHeader(draft.headers, 'X-Tenant', undefined) }
        case 'login':
          return {
            method: 'POST',
            host: hostFor(schema),
            path: '/api/login',
            headers: withHeader(withHeader(draft.headers, 'X-Tenant', undefined), 'Authorization', undefined),
            body: demoLoginBody(schema),
          }
      }
    })()
    setDraft(next)
    if (log.unavailable === undefined) void send(next)
  }

  const applyToken = () => {
    if (lastToken) edit({ ...draft, headers: withHeader(draft.headers, 'Authorization', `Bearer ${lastToken.token}`) })
  }

  const send = async (toSend: RequestDraft) => {
    const request: SentRequest = { method: toSend.method, host: toSend.host.trim(), path: toSend.path.trim() }
    const headers = Object.fromEntries(toSend.headers.filter((row) => row.name.trim() !== '').map((row) => [row.name.trim(), row.value.trim()]))
    const body = hasBody(toSend.method) && toSend.body.trim() !== '' ? toSend.body : undefined
    const mine = ++sendCount.current
    setSending(true)
    setSendError(undefined)
    setResult(undefined)
    try {
      const response = await client.call('requests/send', {
        method: toSend.method,
        host: request.host,
        path: request.path,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(body !== undefined ? { body } : {}),
      })
      if (mine !== sendCount.current) return
      setResult({ request, response })
      if (response.logEntry) log.add(response.logEntry)
      const token = request.path === '/api/login' && response.status === 200 ? tokenOf(response.json) : undefined
      if (token) setLastToken({ ...token, tenant: response.resolved.tenant })
    } catch (error) {
      if (mine !== sendCount.current) return
      if (isServerMissing(error)) log.markUnavailable(errorMessage(error))
      else setSendError(errorMessage(error))
    } finally {
      if (mine === sendCount.current) setSending(false)
    }
  }

  return (
    <section className="view requests-view" aria-labelledby="requests-title" data-testid="requests-view">
      <header className="view__header">
        <h2 id="requests-title">Requests</h2>
        <p className="view__lede">
          Send a real HTTP request to this server's tenant API with any <code>Host</code> and headers, and see which tenant's schema it reaches — by domain,
          subdomain or <code>X-Tenant</code> header.
        </p>
      </header>

      {log.unavailable !== undefined && (
        <div className="alert alert--warning requests-unavailable" role="alert" data-testid="requests-unavailable">
          <div>
            <strong className="alert__title">No tenant API server here</strong>
            <span className="alert__message">
              {capitalise(log.unavailable)}. This panel sends real HTTP requests to the server that <code>schemata serve</code> starts: run it and open the
              console address it prints.
            </span>
          </div>
          <button type="button" className="button button--small" onClick={log.reload}>
            Check again
          </button>
        </div>
      )}

      <RequestPresets presetTenant={presetTenant} tenantOptions={tenantOptions} onPresetTenant={setPresetTenant} onPreset={applyPreset} disabled={sending || log.unavailable !== undefined} />

      <div className="requests-top">
        <RequestForm
          draft={draft}
          onChange={edit}
          onSend={() => void send(draft)}
          onUseToken={applyToken}
          sending={sending}
          disabled={log.unavailable !== undefined}
          presetTenant={presetTenant}
          lastToken={lastToken}
        />
        <section ref={responseRef} className="card requests-response" aria-labelledby="requests-response-title" aria-busy={sending} data-testid="requests-response">
          <h3 id="requests-response-title" className="card__title">
            Response
          </h3>
          {sending ? (
            <Loading label="Waiting for the server…" testId="requests-sending" />
          ) : sendError !== undefined ? (
            <ErrorMessage title="The request was not sent." message={sendError} testId="requests-send-error" />
          ) : result ? (
            <RequestResult request={result.request} response={result.response} tenantName={tenantName} />
          ) : (
            <Empty testId="requests-result-empty">
              <p>Send a request to see which tenant it reaches.</p>
              <p className="muted">Pick a scenario above, or type your own host and headers.</p>
            </Empty>
          )}
        </section>
      </div>

      <RequestLogTable log={log} tenantName={tenantName} curlHint={`curl http://${defaultHost(defaultSchema)}/api/tenant`} />
    </section>
  )
}
