import { homedir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BrowserWindow, Menu, app, dialog, session } from 'electron'
import { type ProjectOutcome, ProjectSession, startProjectFrom } from './app/project-switch.ts'
import { SessionStore } from './handlers/session-store.ts'
import { targetFromEnvironment } from './db/connect.ts'
import { defaultDataDir } from './db/data-dir.ts'
import { ContractIpc } from './ipc/contract-ipc.ts'
import { registerFileDialogs } from './ipc/file-dialog-ipc.ts'
import { saveDialogExports } from './ipc/export-save-dialog.ts'
import { createDispatcher } from './handlers/dispatcher.ts'
import { registerRendererScheme, serveRenderer } from './ipc/renderer-protocol.ts'
import { loadProject } from './project/load-project.ts'
import { type RecentProject, RecentProjects } from './project/recent-projects.ts'
import { appMenuTemplate, windowTitle } from './window/app-menu.ts'
import { contentSecurityPolicy, devServerFor, mainWindowOptions, mayGrantPermission, mayNavigate, rendererEntryUrl, rendererOrigin, windowOpenPolicy } from './window/window-options.ts'

/*
 * The Electron main entry: app lifecycle, windows and menus only. The database
 * starts in the background while the first window is already up (a first
 * run's initdb takes seconds); the renderer learns how far it got from
 * `db/status`. Which project runs, and switching to another, is
 * app/project-switch.ts (plain Node, tested under Node).
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
let ipc: ContractIpc | undefined
let disposeFileDialogs: (() => void) | undefined
let stopping: Promise<void> | undefined
let stopped = false

const recents = new RecentProjects({ dir: app.getPath('userData'), check: (configPath) => loadProject(configPath) })
const projects = new ProjectSession({
  sessions,
  broadcast: (event, payload) => ipc?.broadcast(event, payload),
  startOptions: (target) => ({
    label: `the Schemata app (${path.basename(process.execPath)})`,
    seedDemoOnFirstRun: process.env.SCHEMATA_DEMO !== 'off',
    // The tenant API on a free loopback port: the Requests panel sends real requests to it.
    // Its signing secret and console token persist in the project's data directory, like `serve`'s.
    server: { rendererDir: rendererRoot, port: 0, optional: true, secretsDir: target.dataDir ?? defaultDataDir() },
    onRequestLogged: (entry) => ipc?.broadcast('requests/logged', entry),
  }),
  // The app's own windows save exports through the native dialog; the local server's tabs download them.
  dispatcherFor: (running) => createDispatcher({ ...running.services, exports: saveDialogExports() }),
  recents,
  onProject: (project, running) => {
    if (running.server) console.info(`[schemata] ${project.name}: tenant API and browser console: ${running.server.consoleUrl}`)
    for (const window of BrowserWindow.getAllWindows()) window.setTitle(windowTitle(window.webContents.getTitle(), project.name))
    void refreshMenu()
  },
})

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
  // The page names the active tenant; the window adds the open project.
  window.on('page-title-updated', (event, title) => {
    event.preventDefault()
    window.setTitle(windowTitle(title, projects.project?.name))
  })
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

/** Tells the user why a project did not open (the app is still on the one the outcome names). */
async function reportOutcome(outcome: ProjectOutcome): Promise<void> {
  if (outcome.ok) return
  console.error(`[schemata] ${outcome.message}`)
  const options = {
    type: 'error' as const,
    title: 'Open Project',
    message: 'The project could not be opened.',
    detail: outcome.project === undefined ? outcome.message : `${outcome.message}\n\nOpen now: ${outcome.project.name}`,
  }
  const owner = BrowserWindow.getFocusedWindow()
  await (owner ? dialog.showMessageBox(owner, options) : dialog.showMessageBox(options))
}

/** Opens a project and, once it runs, reloads every window: each view, cache and dialog starts on the new project. */
async function switchProject(open: () => Promise<ProjectOutcome>): Promise<void> {
  const before = projects.project
  const outcome = await open()
  if (outcome.ok && outcome.project !== before) {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.reload()
  }
  await reportOutcome(outcome)
}

async function chooseProject(): Promise<void> {
  const options = {
    title: 'Open Project',
    buttonLabel: 'Open',
    message: 'Choose a folder holding a schemata.config.json',
    properties: ['openDirectory' as const],
  }
  const owner = BrowserWindow.getFocusedWindow()
  const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options)
  const [folder] = result.filePaths
  if (result.canceled || folder === undefined) return
  await switchProject(() => projects.open(folder))
}

/** Rebuilds the menu with the recent projects (each config loaded again, so one that no longer loads shows as missing). */
async function refreshMenu(): Promise<void> {
  let recent: RecentProject[] = []
  try {
    recent = await recents.refresh()
  } catch (error) {
    console.error('[schemata] the recent projects could not be read:', error)
  }
  setMenu(recent)
}

function setMenu(recent: readonly RecentProject[]): void {
  const template = appMenuTemplate({
    platform: process.platform,
    newWindow: createWindow,
    packaged,
    projects: {
      recent,
      homedir: homedir(),
      openProject: () => void chooseProject(),
      openRecent: (entry) => void switchProject(() => projects.open(entry.root)).finally(() => void refreshMenu()),
      openBuiltinDemo: () => void switchProject(() => projects.openBuiltin()),
      clearRecent: () => void recents.clear().finally(() => void refreshMenu()),
    },
  })
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

async function stopDatabase(): Promise<void> {
  ipc?.dispose()
  disposeFileDialogs?.()
  await projects.stop()
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
  ipc = new ContractIpc({ dispatch: projects.dispatch, sessions, rendererOrigin: origin })
  const contractIpc = ipc
  disposeFileDialogs = registerFileDialogs((event) => contractIpc.isTrusted(event))
  setMenu([])
  void refreshMenu()
  createWindow()
  // `--project <dir>` or SCHEMATA_CONFIG, else the built-in demo (also when the one named does not load: a dialog says why).
  const named = startProjectFrom(process.argv, process.env)
  void projects.start(named).then((outcome) => {
    // The demo failing to start is shown in the window itself, as the database status.
    if (named !== undefined) return reportOutcome(outcome)
    if (!outcome.ok) console.error(`[schemata] the database could not be started: ${outcome.message}`)
    return undefined
  })
}

registerRendererScheme()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  // `schemata-app --project <dir>` while the app runs opens that project here; otherwise a new window.
  app.on('second-instance', (_event, argv, workingDirectory) => {
    if (!app.isReady()) return
    const named = startProjectFrom(argv, {})
    if (named === undefined) createWindow()
    else void switchProject(() => projects.open(path.resolve(workingDirectory, named.path)))
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
