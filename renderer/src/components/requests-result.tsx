import type { ApiRequestLogEntry, TenantApiResponse } from '../../../contract/types.ts'
import { useTenantColors } from '../tenant-colors.tsx'
import { TenantBadge } from './tenant-badge.tsx'

/*
 * The answer to one Requests-panel request: the status, which tenant (and
 * schema) the server routed it to and how, the headers and the body.
 */

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** `2xx`, `3xx`, `4xx` or `5xx`: the colour class of a status. */
export function statusFamily(status: number): '2xx' | '3xx' | '4xx' | '5xx' {
  if (status >= 500) return '5xx'
  if (status >= 400) return '4xx'
  if (status >= 300) return '3xx'
  return '2xx'
}

/** An HTTP status as a coloured pill: green for success, amber for a refusal, red for a server error. */
export function StatusPill({ status, withReason = false, testId }: { status: number; withReason?: boolean; testId?: string }) {
  const reason = REASONS[status]
  return (
    <span className={`requests-status requests-status--${statusFamily(status)}`} data-testid={testId} data-status={status}>
      {status}
      {withReason && reason ? ` ${reason}` : ''}
    </span>
  )
}

/** How a request reached its tenant, in words. */
export function viaLabel(via: ApiRequestLogEntry['via']): string {
  switch (via) {
    case 'domain':
      return 'domain'
    case 'subdomain':
      return 'subdomain'
    case 'header':
      return 'X-Tenant header'
    default:
      return 'none'
  }
}

function viaExplanation(via: ApiRequestLogEntry['via'], host: string): string {
  const bare = host.replace(/:\d+$/, '')
  switch (via) {
    case 'domain':
      return `${bare} is a domain registered for this tenant`
    case 'subdomain':
      return `${bare} is a subdomain of the base domain`
    case 'header':
      return 'the host names no tenant, so the X-Tenant header decided'
    default:
      return ''
  }
}

/** The small badge + schema the log shows for a resolved tenant. */
export function TenantTag({ schema, name }: { schema: string | null; name?: string | undefined }) {
  if (schema === null) return <span className="requests-tenant requests-tenant--none">no tenant</span>
  return (
    <span className="requests-tenant" data-schema={schema}>
      <span className="requests-tenant__badge">
        <TenantBadge name={name ?? schema} schema={schema} />
      </span>
      <span className="requests-tenant__schema">{schema}</span>
    </span>
  )
}

function errorOf(json: unknown): { code?: string; message?: string } | undefined {
  if (typeof json !== 'object' || json === null || !('error' in json)) return undefined
  const error: unknown = json.error
  if (typeof error !== 'object' || error === null) return undefined
  const { code, message } = error as { code?: unknown; message?: unknown }
  return { ...(typeof code === 'string' ? { code } : {}), ...(typeof message === 'string' ? { message } : {}) }
}

function prettyBody(response: TenantApiResponse): string {
  if (response.json !== null) return JSON.stringify(response.json, null, 2)
  return response.body === '' ? '(empty body)' : response.body
}

export interface SentRequest {
  method: string
  host: string
  path: string
}

/** One response, with where it landed made impossible to miss. */
export function RequestResult({
  request,
  response,
  tenantName,
}: {
  request: SentRequest
  response: TenantApiResponse
  tenantName: (schema: string) => string | undefined
}) {
  const { tenant, via } = response.resolved
  const refusal = errorOf(response.json)
  const headerNames = Object.keys(response.headers).sort()
  const colorOf = useTenantColors()
  const colors = tenant === null ? undefined : colorOf(tenant)
  const name = tenant === null ? undefined : (tenantName(tenant) ?? tenant)

  return (
    <div className="requests-result" data-testid="requests-result" data-status={response.status}>
      <div className="requests-result__line" role="status">
        <StatusPill status={response.status} withReason testId="requests-status" />
        <code className="requests-result__request">
          {request.method} {request.host}
          {request.path}
        </code>
        <span className="requests-result__ms" data-testid="requests-duration">
          {response.durationMs.toFixed(1)} ms
        </span>
      </div>

      {tenant !== null && colors ? (
        <div
          className="requests-resolved"
          style={{ background: colors.strong }}
          data-testid="requests-resolved"
          data-schema={tenant}
          data-via={via ?? ''}
        >
          <TenantBadge name={name ?? tenant} schema={tenant} size="large" />
          <div className="requests-resolved__text">
            <div className="requests-resolved__label">Resolved to</div>
            <div className="requests-resolved__name" data-testid="requests-resolved-name">
              {name}
            </div>
            <div className="requests-resolved__meta">
              schema <code data-testid="requests-resolved-schema">{tenant}</code> · via{' '}
              <strong className="requests-resolved__via" data-testid="requests-resolved-via">
                {viaLabel(via)}
              </strong>
              <span className="requests-resolved__why"> — {viaExplanation(via, request.host)}</span>
            </div>
          </div>
        </div>
      ) : (
        <div className="requests-resolved requests-resolved--none" data-testid="requests-resolved" data-schema="" data-via="">
          <div className="requests-resolved__text">
            <div className="requests-resolved__label">Resolved to</div>
            <div className="requests-resolved__name" data-testid="requests-resolved-name">
              No tenant
            </div>
            <div className="requests-resolved__meta">
              {refusal?.message ? (
                <>
                  The server refused it{refusal.code ? <code className="requests-resolved__code">{refusal.code}</code> : null}:{' '}
                  <span data-testid="requests-refusal">{refusal.message}</span>
                </>
              ) : (
                'The server did not route this request to a tenant.'
              )}
            </div>
          </div>
        </div>
      )}

      {tenant !== null && refusal?.message && (
        <p className="requests-result__refusal" data-testid="requests-refusal">
          {refusal.code && <code className="requests-resolved__code">{refusal.code}</code>} {refusal.message}
        </p>
      )}

      <details className="requests-result__headers" data-testid="requests-response-headers">
        <summary>Response headers ({headerNames.length})</summary>
        <dl className="requests-headers">
          {headerNames.map((header) => (
            <div key={header} className="requests-headers__row">
              <dt>{header}</dt>
              <dd>{response.headers[header]}</dd>
            </div>
          ))}
        </dl>
      </details>

      <div className="requests-result__body">
        <div className="requests-result__body-label">
          Body{response.json !== null ? ' (JSON)' : ''}
          {response.truncated && <span className="pill pill--warning">truncated at 256 KiB</span>}
        </div>
        <pre className="requests-body" data-testid="requests-body" tabIndex={0} aria-label="Response body">
          {prettyBody(response)}
        </pre>
      </div>
    </div>
  )
}
