import { readFile } from 'node:fs/promises'
import { protocol } from 'electron'
import { rendererFileFor, contentTypeOf } from '../window/renderer-files.ts'
import { RENDERER_HOST, RENDERER_SCHEME } from '../window/window-options.ts'

/**
 * Declares our scheme as standard and secure (a real origin, fetch and
 * storage like https). Must run before the app is ready.
 */
export function registerRendererScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: RENDERER_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ])
}

/**
 * Serves the built renderer at `schemata://app/` with the CSP as a response
 * header — file:// pages get no headers, so a file:// renderer's CSP would
 * rest on a <meta> tag the page itself controls.
 */
export function serveRenderer(options: { root: string; csp: string }): void {
  protocol.handle(RENDERER_SCHEME, async (request) => {
    const file = rendererFileFor(request.url, options.root, RENDERER_HOST)
    if (file === undefined) return new Response('not found', { status: 404 })
    try {
      const body = await readFile(file)
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': contentTypeOf(file),
          'Content-Security-Policy': options.csp,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-cache',
        },
      })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code === 'ENOENT' || code === 'EISDIR') return new Response('not found', { status: 404 })
      throw error
    }
  })
}
