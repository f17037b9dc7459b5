/*
 * What our windows are allowed to do, as plain data and pure functions: no
 * `electron` import, so a unit test can assert every security-relevant setting
 * without launching Electron.
 */

/** The privileged scheme the built renderer is served from (`schemata://app/index.html`), instead of file://. */
export const RENDERER_SCHEME = 'schemata'
export const RENDERER_HOST = 'app'
export const RENDERER_ORIGIN = `${RENDERER_SCHEME}://${RENDERER_HOST}`
export const RENDERER_ENTRY_URL = `${RENDERER_ORIGIN}/index.html`

/** The web preferences that matter for security; asserted by tests/unit/window-options.test.ts. */
export interface SecureWebPreferences {
  preload: string
  contextIsolation: true
  sandbox: true
  nodeIntegration: false
  nodeIntegrationInWorker: false
  nodeIntegrationInSubFrames: false
  webSecurity: true
  allowRunningInsecureContent: false
  webviewTag: false
  experimentalFeatures: false
  navigateOnDragDrop: false
  spellcheck: false
  /** Off in a packaged build: DevTools would hand whoever sits at the window the renderer's bridge. */
  devTools: boolean
}

/** A structural subset of BrowserWindowConstructorOptions (kept free of the electron import). */
export interface MainWindowOptions {
  width: number
  height: number
  minWidth: number
  minHeight: number
  title: string
  backgroundColor: string
  show: boolean
  webPreferences: SecureWebPreferences
}

/**
 * Options of every Schemata window. The renderer gets no Node.js and no
 * Electron: an isolated, sandboxed page whose only way out is the
 * `window.schemata` bridge the (CommonJS, sandbox-compatible) preload exposes.
 */
export function mainWindowOptions(options: { preloadPath: string; packaged: boolean }): MainWindowOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 560,
    title: 'Schemata',
    // Painted before the renderer's first frame, so a slow first start shows a calm window, not a white flash.
    backgroundColor: '#14161a',
    show: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !options.packaged,
    },
  }
}

/**
 * The renderer's Content-Security-Policy. Scripts only from our own origin (no
 * inline script, no eval), nothing framed or framing us, no plugins, no form
 * posts, no remote connections: the renderer talks to main over IPC only.
 * Inline styles stay allowed: they cannot run code, and UI libraries set them.
 * `devServer` (electron-vite dev only) adds the Vite server, its HMR socket and
 * the inline React-refresh preamble.
 */
export function contentSecurityPolicy(options: { devServer?: string } = {}): string {
  const dev = options.devServer === undefined ? undefined : new URL(options.devServer)
  const self = dev === undefined ? "'self'" : `'self' ${dev.origin}`
  const sockets = dev === undefined ? '' : ` ws://${dev.host}`
  const directives: [string, string][] = [
    ['default-src', "'none'"],
    ['script-src', dev === undefined ? "'self'" : `${self} 'unsafe-inline'`],
    ['style-src', `${self} 'unsafe-inline'`],
    ['img-src', `${self} data:`],
    ['font-src', `${self} data:`],
    ['connect-src', `${self}${sockets}`],
    ['worker-src', self],
    ['manifest-src', self],
    ['object-src', "'none'"],
    ['frame-src', "'none'"],
    ['frame-ancestors', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
  ]
  return directives.map(([name, value]) => `${name} ${value}`).join('; ')
}

/** The production policy, for tests and documentation. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy()

/**
 * `scheme://host[:port]` of a URL, or undefined. Not `URL.origin`: Node's URL
 * gives the opaque origin "null" for a scheme it does not know, while Chromium
 * treats our registered standard scheme like https.
 */
function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    return parsed.host === '' ? undefined : `${parsed.protocol}//${parsed.host}`
  } catch {
    // Not a URL at all (e.g. an empty frame URL).
    return undefined
  }
}

/**
 * The dev server the renderer comes from, if any: `ELECTRON_RENDERER_URL`,
 * which `electron-vite dev` sets. A packaged app ignores it (anyone who can
 * set the app's environment could otherwise load a page of theirs with the
 * preload's bridge attached), and even in development only a loopback http
 * address is taken.
 */
export function devServerFor(options: { packaged: boolean; env: NodeJS.ProcessEnv }): string | undefined {
  const value = options.env.ELECTRON_RENDERER_URL?.trim()
  if (options.packaged || value === undefined || value === '') return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`ELECTRON_RENDERER_URL: ${JSON.stringify(value.slice(0, 100))} is not a URL`)
  }
  if (url.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
    throw new Error(`ELECTRON_RENDERER_URL: ${url.origin} is not a loopback http address (the dev server is)`)
  }
  return value
}

/** The origin our renderer runs at: the privileged scheme, or electron-vite's dev server. */
export function rendererOrigin(devServer?: string): string {
  return devServer === undefined ? RENDERER_ORIGIN : (originOf(devServer) ?? devServer)
}

/** The URL a new window loads. */
export function rendererEntryUrl(devServer?: string): string {
  return devServer === undefined ? RENDERER_ENTRY_URL : devServer
}

/** Whether `url` belongs to our renderer (same origin); anything unparsable is not. */
export function isOwnRendererUrl(url: string, origin: string): boolean {
  return originOf(url) === origin
}

/**
 * `will-navigate` / `will-redirect` policy: a window stays on our renderer.
 * A link to anywhere else (a pasted URL, a dropped file, an injected
 * location change) is refused rather than loaded with the preload attached.
 */
export function mayNavigate(url: string, origin: string): boolean {
  return isOwnRendererUrl(url, origin)
}

/** `setWindowOpenHandler` policy: no window is ever opened from a page. */
export function windowOpenPolicy(): { action: 'deny' } {
  return { action: 'deny' }
}

/** Permission requests (camera, notifications, geolocation …): the console needs none. */
export function mayGrantPermission(_permission: string): boolean {
  return false
}

/** What the IPC layer knows about the sender of a call. */
export interface SenderFacts {
  /** The sender's webContents id. */
  webContentsId: number
  /** Whether that id is one of the windows we created. */
  isOurWindow: boolean
  /** Whether the call came from the window's main frame (not an iframe). */
  isMainFrame: boolean
  /** The URL of the sending frame, if it still exists. */
  frameUrl: string | undefined
}

/**
 * IPC is accepted only from the main frame of a window we created, while it
 * shows our renderer. A window that somehow navigated elsewhere, a subframe, a
 * devtools extension page or any other webContents gets nothing.
 */
export function isTrustedSender(sender: SenderFacts, origin: string): boolean {
  return sender.isOurWindow && sender.isMainFrame && sender.frameUrl !== undefined && isOwnRendererUrl(sender.frameUrl, origin)
}
