import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type MenuItemTemplate, appMenuTemplate } from '../../electron/main/window/app-menu.ts'
import { contentTypeOf, rendererFileFor } from '../../electron/main/window/renderer-files.ts'
import {
  CONTENT_SECURITY_POLICY,
  RENDERER_ENTRY_URL,
  RENDERER_ORIGIN,
  contentSecurityPolicy,
  devServerFor,
  isTrustedSender,
  mainWindowOptions,
  mayGrantPermission,
  mayNavigate,
  rendererEntryUrl,
  rendererOrigin,
  windowOpenPolicy,
} from '../../electron/main/window/window-options.ts'

describe('window options', () => {
  const options = mainWindowOptions({ preloadPath: '/app/out/preload/index.cjs', packaged: true })

  it('isolates and sandboxes the renderer with no Node.js', () => {
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
  })

  it('has no DevTools when packaged, and has them in development', () => {
    expect(options.webPreferences.devTools).toBe(false)
    expect(mainWindowOptions({ preloadPath: '/p.cjs', packaged: false }).webPreferences.devTools).toBe(true)
  })

  it('loads the CommonJS preload (sandboxed preloads cannot be ES modules)', () => {
    expect(options.webPreferences.preload).toMatch(/index\.cjs$/)
  })
})

describe('content security policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/)
      return [name, values.join(' ')] as const
    }),
  )

  it('is the exact production policy', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; " +
        "frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    )
  })

  it('allows no inline or eval script and nothing remote', () => {
    expect(directives.get('script-src')).toBe("'self'")
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/)
    expect(directives.get('object-src')).toBe("'none'")
    expect(directives.get('frame-ancestors')).toBe("'none'")
  })

  it('relaxes only for the dev server, and only toward it', () => {
    const dev = contentSecurityPolicy({ devServer: 'http://localhost:5173' })
    expect(dev).toContain("script-src 'self' http://localhost:5173 'unsafe-inline'")
    expect(dev).toContain('connect-src \'self\' http://localhost:5173 ws://localhost:5173')
    expect(dev).not.toContain('unsafe-eval')
  })
})

describe('navigation and window.open', () => {
  it('lets a window move only within our renderer', () => {
    expect(mayNavigate(`${RENDERER_ORIGIN}/index.html#/tenants`, RENDERER_ORIGIN)).toBe(true)
    expect(mayNavigate('https://example.com/', RENDERER_ORIGIN)).toBe(false)
    expect(mayNavigate('file:///etc/passwd', RENDERER_ORIGIN)).toBe(false)
    expect(mayNavigate('schemata://evil/index.html', RENDERER_ORIGIN)).toBe(false)
    expect(mayNavigate('javascript:alert(1)', RENDERER_ORIGIN)).toBe(false)
    expect(mayNavigate('not a url', RENDERER_ORIGIN)).toBe(false)
  })

  it('follows the dev server when there is one', () => {
    const origin = rendererOrigin('http://localhost:5173/')
    expect(origin).toBe('http://localhost:5173')
    expect(rendererEntryUrl('http://localhost:5173/')).toBe('http://localhost:5173/')
    expect(rendererEntryUrl()).toBe(RENDERER_ENTRY_URL)
    expect(mayNavigate('http://localhost:5174/', origin)).toBe(false)
  })

  it('ignores ELECTRON_RENDERER_URL when packaged, and takes only a loopback dev server otherwise', () => {
    const env = { ELECTRON_RENDERER_URL: 'http://localhost:5173/' }
    expect(devServerFor({ packaged: true, env })).toBeUndefined()
    expect(devServerFor({ packaged: true, env: { ELECTRON_RENDERER_URL: 'https://evil.example/' } })).toBeUndefined()
    expect(rendererEntryUrl(devServerFor({ packaged: true, env }))).toBe(RENDERER_ENTRY_URL)
    expect(devServerFor({ packaged: false, env })).toBe('http://localhost:5173/')
    expect(devServerFor({ packaged: false, env: {} })).toBeUndefined()
    expect(() => devServerFor({ packaged: false, env: { ELECTRON_RENDERER_URL: 'https://evil.example/' } })).toThrow(
      /ELECTRON_RENDERER_URL: https:\/\/evil\.example is not a loopback http address/,
    )
    expect(() => devServerFor({ packaged: false, env: { ELECTRON_RENDERER_URL: 'nonsense' } })).toThrow(/is not a URL/)
  })

  it('denies every window.open and every permission', () => {
    expect(windowOpenPolicy()).toEqual({ action: 'deny' })
    expect(mayGrantPermission('media')).toBe(false)
    expect(mayGrantPermission('notifications')).toBe(false)
  })
})

describe('IPC sender check', () => {
  const ours = { webContentsId: 1, isOurWindow: true, isMainFrame: true, frameUrl: `${RENDERER_ORIGIN}/index.html` }

  it('accepts the main frame of our window showing our renderer', () => {
    expect(isTrustedSender(ours, RENDERER_ORIGIN)).toBe(true)
  })

  it.each([
    ['another webContents', { ...ours, isOurWindow: false }],
    ['a subframe', { ...ours, isMainFrame: false }],
    ['a frame that is gone', { ...ours, frameUrl: undefined }],
    ['a foreign page in our window', { ...ours, frameUrl: 'https://evil.example/' }],
  ])('refuses %s', (_label, sender) => {
    expect(isTrustedSender(sender, RENDERER_ORIGIN)).toBe(false)
  })
})

describe('renderer files (schemata://app/…)', () => {
  const root = path.resolve('/srv/out/renderer')

  it('maps paths under the renderer root', () => {
    expect(rendererFileFor('schemata://app/index.html', root, 'app')).toBe(path.join(root, 'index.html'))
    expect(rendererFileFor('schemata://app/', root, 'app')).toBe(path.join(root, 'index.html'))
    expect(rendererFileFor('schemata://app/assets/index-abc.js?v=1', root, 'app')).toBe(path.join(root, 'assets/index-abc.js'))
    expect(rendererFileFor('schemata://app/tenants/acme', root, 'app')).toBe(path.join(root, 'index.html'))
  })

  it('never leaves the renderer root', () => {
    for (const url of [
      'schemata://app/../../etc/passwd',
      'schemata://app/%2e%2e/%2e%2e/etc/passwd',
      'schemata://app/..%2f..%2fetc%2fpasswd',
      'schemata://app/%2fetc%2fpasswd.txt',
      'schemata://app/a%00.js',
      'schemata://app/..%5c..%5cwin.ini',
      'schemata://app/%E0%A4%A',
      'schemata://other/index.html',
    ]) {
      const file = rendererFileFor(url, root, 'app')
      if (file !== undefined) expect(file.startsWith(root + path.sep), url).toBe(true)
    }
    expect(rendererFileFor('schemata://other/index.html', root, 'app')).toBeUndefined()
  })

  it('serves scripts and pages with their real types', () => {
    expect(contentTypeOf('/x/index.html')).toBe('text/html; charset=utf-8')
    expect(contentTypeOf('/x/a.js')).toBe('text/javascript; charset=utf-8')
    expect(contentTypeOf('/x/a.bin')).toBe('application/octet-stream')
  })
})

describe('application menu', () => {
  it('has a New Window item that opens a window', () => {
    let opened = 0
    const menu = appMenuTemplate({ platform: 'linux', newWindow: () => opened++, packaged: true })
    const item = menu.flatMap((m) => m.submenu ?? []).find((m) => m.label === 'New Window')
    item?.click?.()
    expect(opened).toBe(1)
  })

  // Electron's viewMenu role carries Toggle Developer Tools (Ctrl+Shift+I) and Reload.
  const roles = (items: MenuItemTemplate[]): string[] => items.flatMap((m) => [...(m.role ? [m.role] : []), ...roles(m.submenu ?? [])])

  it.each(['linux', 'darwin', 'win32'] as const)('offers no DevTools or reload when packaged (%s)', (platform) => {
    const packaged = roles(appMenuTemplate({ platform, newWindow: () => undefined, packaged: true }))
    expect(packaged).not.toContain('viewMenu')
    expect(packaged.filter((role) => /devtools|reload/i.test(role))).toEqual([])
    expect(packaged).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen']))
    expect(roles(appMenuTemplate({ platform, newWindow: () => undefined, packaged: false }))).toContain('viewMenu')
  })
})
