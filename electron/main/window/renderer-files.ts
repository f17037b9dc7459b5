import path from 'node:path'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

/** The Content-Type of a renderer file; unknown kinds are served as bytes the page cannot run. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Maps a `schemata://app/…` request to a file under the built renderer
 * directory, or undefined (→ 404). The decoded path must stay inside `root`:
 * `..`, encoded slashes and absolute paths cannot reach the rest of the disk.
 * A path without an extension is a client-side route and gets index.html.
 */
export function rendererFileFor(requestUrl: string, root: string, expectedHost: string): string | undefined {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    // A request the scheme handler cannot parse is not a file of ours.
    return undefined
  }
  if (url.host !== expectedHost) return undefined
  let pathname: string
  try {
    pathname = decodeURIComponent(url.pathname)
  } catch {
    // Malformed percent-encoding.
    return undefined
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined
  const base = path.resolve(root)
  const relative = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '')
  const file = path.resolve(base, relative)
  if (file !== base && !file.startsWith(base + path.sep)) return undefined
  if (path.extname(file) === '') return path.join(base, 'index.html')
  return file
}
