/** The menu roles we use; a subset of Electron's, so the template is a valid MenuItemConstructorOptions[]. */
type MenuRole =
  | 'appMenu'
  | 'editMenu'
  | 'viewMenu'
  | 'windowMenu'
  | 'close'
  | 'quit'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'

export interface MenuItemTemplate {
  label?: string
  role?: MenuRole
  accelerator?: string
  type?: 'separator'
  enabled?: boolean
  click?: () => void
  submenu?: MenuItemTemplate[]
}

/** A project File › Open Recent lists (RecentProjects' entries fit). */
export interface RecentMenuEntry {
  readonly name: string
  readonly root: string
  /** Why it no longer opens; it is still listed, and choosing it says why. */
  readonly missing?: string
}

/** The File menu's project items; without them the menu has only New Window and Quit. */
export interface ProjectMenuOptions {
  recent: readonly RecentMenuEntry[]
  /** The user's home folder, shown as ~ in the recent list. */
  homedir: string
  openProject: () => void
  openRecent: (entry: RecentMenuEntry) => void
  openBuiltinDemo: () => void
  clearRecent: () => void
}

/** `~/work/helpdesk` for a folder below the home folder. */
function shortPath(folder: string, homedir: string, platform: NodeJS.Platform): string {
  if (platform === 'win32' || homedir === '' || (folder !== homedir && !folder.startsWith(`${homedir}/`))) return folder
  return `~${folder.slice(homedir.length)}`
}

/** A label shown as written: on Windows and Linux a lone & marks the next letter as the item's access key. */
function literal(label: string, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? label : label.replaceAll('&', '&&')
}

function projectItems(options: ProjectMenuOptions, platform: NodeJS.Platform): MenuItemTemplate[] {
  const recent: MenuItemTemplate[] = options.recent.map((entry) => ({
    label: literal(`${entry.name} — ${shortPath(entry.root, options.homedir, platform)}${entry.missing === undefined ? '' : ' (missing)'}`, platform),
    click: () => options.openRecent(entry),
  }))
  return [
    { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: options.openProject },
    {
      label: 'Open Recent',
      submenu: [
        ...(recent.length === 0 ? [{ label: 'No recent projects', enabled: false }] : recent),
        { type: 'separator' },
        { label: 'Clear Recently Opened', enabled: recent.length > 0, click: options.clearRecent },
      ],
    },
    { label: 'Open Built-in Demo', click: options.openBuiltinDemo },
    { type: 'separator' },
  ]
}

/**
 * The application menu. "New Window" is how a second window (with its own
 * active tenant) is opened; the File menu opens a project folder, a recent
 * one or the built-in demo; the rest are Electron's standard menus, except
 * that a packaged build's View menu has no reload and no DevTools (Electron's
 * `viewMenu` role brings both, with their shortcuts).
 */
export function appMenuTemplate(options: {
  platform: NodeJS.Platform
  newWindow: () => void
  packaged: boolean
  projects?: ProjectMenuOptions
}): MenuItemTemplate[] {
  const file: MenuItemTemplate = {
    label: 'File',
    submenu: [
      { label: 'New Window', accelerator: 'CmdOrCtrl+Shift+N', click: options.newWindow },
      { type: 'separator' },
      ...(options.projects === undefined ? [] : projectItems(options.projects, options.platform)),
      options.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  }
  return [
    ...(options.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    file,
    { role: 'editMenu' },
    options.packaged
      ? {
          label: 'View',
          submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
        }
      : { role: 'viewMenu' },
    { role: 'windowMenu' },
  ]
}

/**
 * A window's title: the page's own (the active tenant, set by the renderer)
 * with the open project's name before "Schemata", so windows of the demo and
 * of a real project are told apart at a glance.
 */
export function windowTitle(pageTitle: string, projectName: string | undefined): string {
  if (projectName === undefined) return pageTitle
  const page = pageTitle.replace(/(^|\s+—\s+)Schemata$/, '').trim()
  return page === '' ? `${projectName} — Schemata` : `${page} — ${projectName} — Schemata`
}
