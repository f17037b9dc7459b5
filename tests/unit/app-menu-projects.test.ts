import { describe, expect, it } from 'vitest'
import { startProjectFrom } from '../../electron/main/app/project-switch.ts'
import { type MenuItemTemplate, type ProjectMenuOptions, type RecentMenuEntry, appMenuTemplate, windowTitle } from '../../electron/main/window/app-menu.ts'

/*
 * The desktop app's project menu, window title and start option, as plain
 * data: Electron builds the menu from exactly this template (index.ts), and
 * tsc checks it against Electron's own MenuItemConstructorOptions there.
 */

const helpdesk: RecentMenuEntry = { name: 'Helpdesk', root: '/home/ana/work/helpdesk' }
const gone: RecentMenuEntry = { name: 'R&D', root: '/srv/rnd', missing: '/srv/rnd/schemata.config.json: does not exist' }

function fileMenu(options: Partial<ProjectMenuOptions> & { platform?: NodeJS.Platform; packaged?: boolean }, calls: string[] = []): MenuItemTemplate[] {
  const menu = appMenuTemplate({
    platform: options.platform ?? 'linux',
    newWindow: () => calls.push('new window'),
    packaged: options.packaged ?? true,
    projects: {
      recent: options.recent ?? [],
      homedir: '/home/ana',
      openProject: () => calls.push('open project'),
      openRecent: (entry) => calls.push(`open recent ${entry.root}`),
      openBuiltinDemo: () => calls.push('open demo'),
      clearRecent: () => calls.push('clear recent'),
    },
  })
  return menu.find((item) => item.label === 'File')?.submenu ?? []
}

const item = (items: MenuItemTemplate[], label: string): MenuItemTemplate | undefined => items.find((entry) => entry.label === label)

describe('File menu: projects', () => {
  it('opens a folder, a recent project or the built-in demo, and clears the recent list', () => {
    const calls: string[] = []
    const file = fileMenu({ recent: [helpdesk, gone] }, calls)
    expect(file.map((entry) => entry.label ?? entry.role ?? entry.type)).toEqual([
      'New Window',
      'separator',
      'Open Project…',
      'Open Recent',
      'Open Built-in Demo',
      'separator',
      'quit',
    ])
    expect(item(file, 'Open Project…')?.accelerator).toBe('CmdOrCtrl+O')
    item(file, 'Open Project…')?.click?.()
    item(file, 'Open Built-in Demo')?.click?.()

    const recent = item(file, 'Open Recent')?.submenu ?? []
    // Newest first as given, the home folder as ~, a missing one still listed (choosing it says why), & shown as written.
    expect(recent.map((entry) => entry.label ?? entry.type)).toEqual([
      'Helpdesk — ~/work/helpdesk',
      'R&&D — /srv/rnd (missing)',
      'separator',
      'Clear Recently Opened',
    ])
    for (const entry of recent) entry.click?.()
    expect(calls).toEqual(['open project', 'open demo', 'open recent /home/ana/work/helpdesk', 'open recent /srv/rnd', 'clear recent'])
  })

  it('says when there is nothing recent, with Clear disabled', () => {
    const recent = item(fileMenu({ recent: [] }), 'Open Recent')?.submenu ?? []
    expect(recent).toEqual([{ label: 'No recent projects', enabled: false }, { type: 'separator' }, expect.objectContaining({ label: 'Clear Recently Opened', enabled: false })])
  })

  it('keeps & literal only where it means an access key (not on macOS), and the packaged View menu without DevTools', () => {
    const mac = item(fileMenu({ platform: 'darwin', recent: [gone] }), 'Open Recent')?.submenu ?? []
    expect(mac[0]?.label).toBe('R&D — /srv/rnd (missing)')
    const roles = (items: MenuItemTemplate[]): string[] => items.flatMap((m) => [...(m.role ? [m.role] : []), ...roles(m.submenu ?? [])])
    const packaged = appMenuTemplate({ platform: 'linux', newWindow: () => undefined, packaged: true, projects: { recent: [helpdesk], homedir: '/home/ana', openProject: () => undefined, openRecent: () => undefined, openBuiltinDemo: () => undefined, clearRecent: () => undefined } })
    expect(roles(packaged)).not.toContain('viewMenu')
  })
})

describe('window title', () => {
  it('puts the open project before "Schemata", after the page (the active tenant)', () => {
    expect(windowTitle('Schemata', 'Helpdesk')).toBe('Helpdesk — Schemata')
    expect(windowTitle('Acme Corp (acme) — Schemata', 'Schemata demo')).toBe('Acme Corp (acme) — Schemata demo — Schemata')
    expect(windowTitle('Acme Corp (acme) — Schemata', undefined)).toBe('Acme Corp (acme) — Schemata')
    expect(windowTitle('', 'Helpdesk')).toBe('Helpdesk — Schemata')
  })
})

describe('start option', () => {
  it('takes --project <dir> or --project=<dir> over SCHEMATA_CONFIG, else none', () => {
    const env = { SCHEMATA_CONFIG: 'examples/helpdesk' }
    expect(startProjectFrom(['/opt/Schemata/schemata', '--project', '/p/one'], env)).toEqual({ path: '/p/one', key: '--project' })
    expect(startProjectFrom(['electron', '.', '--project=/p/two'], env)).toEqual({ path: '/p/two', key: '--project' })
    expect(startProjectFrom(['electron', '.'], env)).toEqual({ path: 'examples/helpdesk', key: 'SCHEMATA_CONFIG' })
    expect(startProjectFrom(['electron', '.'], { SCHEMATA_CONFIG: '  ' })).toBeUndefined()
    // A bare --project names nothing: the session refuses the empty path by name, not the working directory.
    expect(startProjectFrom(['electron', '.', '--project'], {})).toEqual({ path: '', key: '--project' })
  })
})
