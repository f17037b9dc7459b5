import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BrowserWindow, Menu, app, session } from 'electron'
import { type RunningApp, startApp } from './app/start-app.ts'
import { SessionStore } from './handlers/session-store.ts'
import { createStartupDispatcher } from './handlers/startup-dispatcher.ts'
import { targetFromEnvironment } from './db/connect.ts'
import { defaultDataDir } from './db/data-dir.ts'
import { ContractIpc } from './ipc/contract-ipc.ts'
import { registerFileDialogs } from './ipc/file-dialog-ipc.ts'
import { saveDialogExports } from './ipc/export-save-dialog.ts'
import { createDispatcher } from './handlers/dispatcher.ts'
import { registerRendererScheme, serveRenderer } from './ipc/renderer-protocol.ts'
import { appMenuTemplate } from './window/app-menu.ts'
import {
  contentSecurityPolicy,
  devServerFor,
  mainWindowOptions,
  mayGrantPermission,
  mayNavigate,
  rendererEntryUrl,
  rendererOrigin,
  windowOpenPolicy,
} from './window/window-options.ts'

/*
 * The Electron main entry: app lifecycle and windows only. The database starts
 * in the background while the first window is already up (a first run's
 * initdb takes seconds); the renderer learns how far it got from `db/status`.
 */

const here = path.dirname(fileURLToPath(import.meta.url))
const preloadPath = path.join(here, '../preload/index.cjs')
const rendererRoot = path.join(here, '../renderer')
// A packaged build has no DevTools and loads only its own renderer, whatever the environment says.
const packaged = app.isPackaged
// Set by `electron-vite dev` only: the renderer then comes from Vite's dev server (never when packaged).
const devServer = devServerFor({ packaged, env: process.env })
const origin = rendererOrigin(devServer)

const target = targetFromEnvironment()
// One app per data directory: a second instance would share the embedded server and could stop it under us.
if (target.mode === 'embedded' && target.dataDir !== undefined && process.env.SCHEMATA_DATA_DIR !== undefined) {
  app.setPath('userData', path.join(target.dataDir, 'electron'))
}

const sessions = new SessionStore()
const startup = createStartupDispatcher(target)
let ipc: ContractIpc | undefined
let disposeFileDialogs: (() => void) | undefined
let starting: Promise<RunningApp | undefined> | undefined
let stopping: Promise<void> | undefined
let stopped = false

function createWindow(): BrowserWindow {
  const options = mainWindowOptions({ preloadPath, packaged })
  const window = new BrowserWindow({
    ...options,
    webPreferences: {
      ...options.webPreferences,
      // Restated where the window is made so static auditors (electronegativity) see them at the
      // constructor; tests/unit/window-options.test.ts pins the same values in mainWindowOptions.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      // Middle-click would otherwise open links in new windows, around setWindowOpenHandler.
      disableBlinkFeatures: 'Auxclick',
      devTools: !packaged,
    },
  })
  const contents = window.webContents
  contents.setWindowOpenHandler(windowOpenPolicy)
  contents.on('will-navigate', (event) => {
    if (!mayNavigate(event.url, origin)) event.preventDefault()
  })
  contents.on('will-redirect', (event) => {
    if (!mayNavigate(event.url, origin)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  ipc?.attach(window)
  void window.loadURL(rendererEntryUrl(devServer))
  return window
}

function startDatabase(): Promise<RunningApp | undefined> {
  return startApp({
    target,
    label: `the Schemata app (${path.basename(process.execPath)})`,
    sessions,
    seedDemoOnFirstRun: process.env.SCHEMATA_DEMO !== 'off',
    // The tenant API on a free loopback port: the Requests panel sends real requests to it.
    // Its signing secret and console token persist in the data directory, like `serve`'s.
    server: { rendererDir: rendererRoot, port: 0, optional: true, secretsDir: target.dataDir ?? defaultDataDir() },
    onProgress: (step) => {
      startup.progress(step)
      ipc?.broadcast('db/status', startup.offlineStatus())
    },
    onDbStatus: (status) => ipc?.broadcast('db/status', status),
    onRequestLogged: (entry) => ipc?.broadcast('requests/logged', entry),
  }).then(
    async (running) => {
      if (running.server) console.info(`[schemata] tenant API and browser console: ${running.server.consoleUrl}`)
      // The app's own windows save exports through the native dialog; the local server's tabs download them.
      startup.ready(createDispatcher({ ...running.services, exports: saveDialogExports() }))
      ipc?.broadcast('db/status', await running.dbStatus())
      return running
    },
    (error: unknown) => {
      console.error('[schemata] the database could not be started:', error)
      startup.failed(error)
      ipc?.broadcast('db/status', startup.offlineStatus())
      return undefined
    },
  )
}

async function stopDatabase(): Promise<void> {
  ipc?.dispose()
  disposeFileDialogs?.()
  const running = await starting
  await running?.stop()
}

function onReady(): void {
  const csp = contentSecurityPolicy(devServer === undefined ? {} : { devServer })
  serveRenderer({ root: rendererRoot, csp })
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(mayGrantPermission(permission)))
  if (devServer !== undefined) {
    // The dev server's pages come over http, so the policy goes on as a header here.
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
    })
  }
  ipc = new ContractIpc({ dispatch: startup.dispatch, sessions, rendererOrigin: origin })
  const contractIpc = ipc
  disposeFileDialogs = registerFileDialogs((event) => contractIpc.isTrusted(event))
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ platform: process.platform, newWindow: createWindow, packaged })))
  createWindow()
  starting = startDatabase()
}

registerRendererScheme()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (app.isReady()) createWindow()
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) createWindow()
  })
  // Quit waits once for the database to stop (the embedded server must not outlive the app it serves).
  app.on('before-quit', (event) => {
    if (stopped) return
    event.preventDefault()
    stopping ??= stopDatabase()
      .catch((error: unknown) => console.error('[schemata] shutdown failed:', error))
      .finally(() => {
        stopped = true
        app.quit()
      })
  })
  void app.whenReady().then(onReady)
}
