import { readFile, realpath, stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import path from 'node:path'
import { InvalidInputError } from '../errors.ts'
// One content-type table for both ways the renderer is served (HTTP here, schemata:// in Electron).
import { contentTypeOf } from '../window/renderer-files.ts'
import { HttpError, NotFoundError } from './http-errors.ts'

/**
 * Maps a URL path to a file under `root`, or throws. The decoded path is
 * resolved and must stay inside the root — `..`, encoded slashes, NUL and
 * absolute paths cannot leave it — and a symlink may not lead out either.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<string> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    throw new InvalidInputError('path', 'is not valid percent-encoding')
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw new NotFoundError()
  const rootReal = await realpath(root).catch(() => undefined)
  if (!rootReal) throw new HttpError(503, 'INTERNAL', 'the console is not built: run `npm run build` (renderer output missing)')
  const relative = path.posix.normalize(`/${decoded}`).replace(/^\/+/, '')
  // `/`, and any extension-less path (a client-side route), is the single page.
  const wantsPage = relative === '' || !path.posix.basename(relative).includes('.')
  const candidate = path.resolve(rootReal, wantsPage ? 'index.html' : relative)
  if (candidate !== rootReal && !candidate.startsWith(rootReal + path.sep)) throw new NotFoundError()
  const real = await realpath(candidate).catch(() => undefined)
  if (!real || !real.startsWith(rootReal + path.sep)) {
    if (wantsPage) throw new HttpError(503, 'INTERNAL', 'the console is not built: run `npm run build` (index.html missing)')
    throw new NotFoundError()
  }
  const info = await stat(real)
  if (!info.isFile()) throw new NotFoundError()
  return real
}

/**
 * Sends one file with its content type and security headers; HEAD sends
 * headers only. Read whole rather than streamed: renderer assets are small,
 * and a client that has all Content-Length bytes may hang up before a stream
 * would have ended the response.
 */
export async function sendStaticFile(
  res: ServerResponse,
  file: string,
  options: { head: boolean; csp: string },
): Promise<void> {
  const data = await readFile(file)
  const type = contentTypeOf(file)
  const headers: Record<string, string | number> = {
    'content-type': type,
    'content-length': data.length,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    // The token-gated console is never worth caching across runs.
    'cache-control': 'no-store',
  }
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = options.csp
    headers['x-frame-options'] = 'DENY'
  }
  res.writeHead(200, headers)
  res.end(options.head ? undefined : data)
}
