/** The menu roles we use; a subset of Electron's, so the template is a valid MenuItemConstructorOptions[]. */
type MenuRole = 'appMenu' | 'editMenu' | 'viewMenu' | 'windowMenu' | 'close' | 'quit'

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
 * active tenant) is opened; the rest are Electron's standard menus.
 */
export function appMenuTemplate(options: { platform: NodeJS.Platform; newWindow: () => void }): MenuItemTemplate[] {
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
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ]
}
