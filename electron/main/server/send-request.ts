import { request } from 'node:http'
import { contract } from '../../../contract/contract.ts'
import type { TenantApiResponse } from '../../../contract/types.ts'
import type { RequestLog } from './request-log.ts'
import { InvalidInputError } from '../errors.ts'
import { parseInput } from './validate-input.ts'

/*
 * The server side of the Requests panel: a presenter types a host, a path,
 * headers and a body; this sends exactly that to our own server on
 * 127.0.0.1 (the typed host goes in the Host header, so routing sees what a
 * browser at that host would send) and reports what the server resolved.
 */

// Hop-by-hop or framing headers are ours to set; the host has its own field; no one else's cookies.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive', 'te', 'trailer', 'cookie'])

/** Input of `requests/send`, declared once in the contract. */
export const tenantApiRequestInput = contract['requests/send'].input

export type { TenantApiResponse }

const MAX_RESPONSE_BYTES = 256 * 1024

/** Sends one request to the server on 127.0.0.1:`port`; validates the (untrusted) input first. */
export async function sendTenantApiRequestTo(
  port: number,
  log: RequestLog,
  input: unknown,
  options: { timeoutMs?: number } = {},
): Promise<TenantApiResponse> {
  const spec = parseInput(tenantApiRequestInput, input, 'request')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    const lower = name.toLowerCase()
    if (RESERVED_HEADERS.has(lower)) {
      throw new InvalidInputError(`headers.${name}`, 'is set by Schemata, not by hand')
    }
    headers[lower] = value
  }
  if (spec.body !== undefined && (spec.method === 'GET' || spec.method === 'HEAD')) {
    throw new InvalidInputError('body', `a ${spec.method} request has no body`)
  }
  headers.host = spec.host
  if (spec.body !== undefined) {
    headers['content-type'] ??= 'application/json'
    headers['content-length'] = String(Buffer.byteLength(spec.body))
  }
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: spec.method, path: spec.path, headers, agent: false, timeout: options.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        let truncated = false
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_RESPONSE_BYTES) {
            truncated = true
            return
          }
          const room = MAX_RESPONSE_BYTES - size
          if (chunk.length > room) truncated = true
          chunks.push(chunk.subarray(0, room))
          size += Math.min(chunk.length, room)
        })
        res.on('error', reject)
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          let json: unknown = null
          if (!truncated && /json/i.test(res.headers['content-type'] ?? '')) {
            try {
              json = JSON.parse(body) as unknown
            } catch {
              json = null
            }
          }
          const responseHeaders: Record<string, string> = {}
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value
          }
          const requestId = responseHeaders['x-request-id']
          // The server logs an /api request before writing its response, so the entry is there by now.
          const logEntry = (requestId && log.find(requestId)) || null
          resolve({
            status: res.statusCode ?? 0,
            headers: responseHeaders,
            body,
            truncated,
            json,
            durationMs: Math.round((performance.now() - started) * 100) / 100,
            resolved: { tenant: logEntry?.tenant ?? null, via: logEntry?.via ?? null },
            logEntry,
          })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer from the local server within ${options.timeoutMs ?? 10_000} ms`)))
    req.on('error', reject)
    req.end(spec.body)
  })
}
