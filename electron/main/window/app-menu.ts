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
  click?: () => void
  submenu?: MenuItemTemplate[]
}

/**
 * The application menu. "New Window" is how a second window (with its own
 * active tenant) is opened; the rest are Electron's standard menus, except
 * that a packaged build's View menu has no reload and no DevTools (Electron's
 * `viewMenu` role brings both, with their shortcuts).
 */
export function appMenuTemplate(options: { platform: NodeJS.Platform; newWindow: () => void; packaged: boolean }): MenuItemTemplate[] {
  const file: MenuItemTemplate = {
    label: 'File',
    submenu: [
      { label: 'New Window', accelerator: 'CmdOrCtrl+Shift+N', click: options.newWindow },
      { type: 'separator' },
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
