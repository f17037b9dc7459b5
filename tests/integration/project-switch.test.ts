import { mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallName, ContractEvents, EventName } from '../../contract/contract.ts'
import type { CallOutcome } from '../../contract/types.ts'
import { ProjectSession } from '../../electron/main/app/project-switch.ts'
import { embeddedStatus, stopEmbedded } from '../../electron/main/db/embedded-server.ts'
import type { WindowSession } from '../../electron/main/handlers/dispatch-types.ts'
import { SessionStore } from '../../electron/main/handlers/session-store.ts'
import { databaseTargetFor, projectDataDir } from '../../electron/main/project/database-target.ts'
import type { Project } from '../../electron/main/project/project.ts'
import { RecentProjects } from '../../electron/main/project/recent-projects.ts'

/*
 * The desktop app's File › Open Project… under Node: a real core (startApp on
 * embedded PostgreSQL, one data folder per project) stopped and started again
 * on another project, with windows calling through the session all along.
 */

// Under the repo, not os.tmpdir(): as root the clusters are owned by postgres, and a shared tmp dir leaks those.
const base = path.resolve('.test-data', `project-switch-${process.pid}`)
const scratch = path.join(base, 'scratch')
const helpdesk = path.resolve('examples/helpdesk')
const dataDirs = new Set<string>()

type Event = { [E in EventName]: { event: E; payload: ContractEvents[E] } }[EventName]

function dataDirFor(project: Project): string {
  // The demo keeps a data root of its own; the others go below one it does not own (as root, those folders must be passable).
  const dir = project.builtin ? path.join(base, 'demo') : projectDataDir(project, path.join(base, 'data'))
  dataDirs.add(dir)
  return dir
}

function harness(): { session: ProjectSession; sessions: SessionStore; events: Event[]; recents: RecentProjects } {
  const events: Event[] = []
  const sessions = new SessionStore()
  const recents = new RecentProjects({ dir: path.join(base, 'user-data') })
  const session = new ProjectSession({
    startOptions: () => ({ label: 'project-switch test', seedDemoOnFirstRun: true }),
    sessions,
    broadcast: (event, payload) => events.push({ event, payload } as Event),
    // An external database is the config's (without this process's DATABASE_URL); embedded ones live under .test-data.
    targetFor: (project) => (project.database.mode === 'external' ? databaseTargetFor(project, {}) : { mode: 'embedded', dataDir: dataDirFor(project) }),
    recents,
  })
  return { session, sessions, events, recents }
}

/** A window's call, as ContractIpc makes it. */
async function call(session: ProjectSession, window: WindowSession, name: CallName, input: unknown = {}): Promise<unknown> {
  const outcome: CallOutcome = await session.dispatch(name, input, { session: window, emit: () => undefined, broadcast: () => undefined })
  if (!outcome.ok) throw new Error(`${name}: ${outcome.error.code} ${outcome.error.message}`)
  return outcome.result
}

async function schemas(session: ProjectSession, window: WindowSession): Promise<string[]> {
  return ((await call(session, window, 'tenants/list')) as { schema: string }[]).map((tenant) => tenant.schema)
}

async function projectName(session: ProjectSession, window: WindowSession): Promise<string> {
  return ((await call(session, window, 'project/current')) as { name: string }).name
}

/** A project folder with this config and these files (relative path → text). */
async function makeProject(name: string, config: unknown, files: Record<string, string> = {}): Promise<string> {
  const root = path.join(scratch, name)
  await mkdir(root, { recursive: true })
  if (config !== undefined) await writeFile(path.join(root, 'schemata.config.json'), typeof config === 'string' ? config : JSON.stringify(config))
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true })
    await writeFile(path.join(root, file), text)
  }
  return root
}

beforeAll(async () => {
  await rm(base, { recursive: true, force: true })
  await mkdir(scratch, { recursive: true })
  await mkdir(path.join(base, 'data', 'projects'), { recursive: true })
})

afterAll(async () => {
  for (const dir of dataDirs) await stopEmbedded(dir)
  await rm(base, { recursive: true, force: true })
})

describe('ProjectSession', () => {
  const { session, sessions, events, recents } = harness()
  const window = sessions.open('window-1')

  afterAll(() => session.stop())

  it('switches from the demo to examples/helpdesk and back: its own tenants, windows start over, recents updated', async () => {
    const started = await session.start()
    expect(started).toMatchObject({ ok: true, project: { builtin: true } })
    const demoDir = dataDirFor(started.project as Project)
    expect(await schemas(session, window)).toEqual(['acme', 'globex', 'initech'])
    await call(session, window, 'tenants/switch', { schema: 'acme' })
    expect(window.activeTenant).toBe('acme')

    events.length = 0
    const opened = await session.open(helpdesk)
    expect(opened).toMatchObject({ ok: true, project: { name: 'Helpdesk', builtin: false } })
    expect(await projectName(session, window)).toBe('Helpdesk')
    expect(await schemas(session, window)).toEqual([])
    // The window's tenant was the demo's: it starts over in the new project.
    expect(window.activeTenant).toBeNull()
    expect(await call(session, window, 'tenants/active')).toEqual({ tenant: null })
    // The demo's database stopped with its core; Helpdesk runs on a folder of its own.
    expect((await embeddedStatus(demoDir)).running).toBe(false)
    expect((await embeddedStatus(dataDirFor(opened.project as Project))).running).toBe(true)
    // The windows heard: offline while it switched, then running, then "reload your tenants".
    expect(events[0]).toMatchObject({ event: 'db/status', payload: { running: false } })
    expect(events.at(-2)).toMatchObject({ event: 'db/status', payload: { running: true, dataDir: dataDirFor(opened.project as Project) } })
    expect(events.at(-1)).toEqual({ event: 'tenants/changed', payload: { reason: 'project' } })
    expect((await recents.list()).map((entry) => entry.root)).toEqual([await realpath(helpdesk)])

    await call(session, window, 'tenants/create', { name: 'Northwind', schema: 'northwind', type: 'enterprise' })
    expect(await session.openBuiltin()).toMatchObject({ ok: true, project: { builtin: true } })
    expect(await schemas(session, window)).toEqual(['acme', 'globex', 'initech'])
    expect(await projectName(session, window)).toBe('Schemata demo')
    // The built-in demo has its own menu item: recents lists the projects the user opened.
    expect((await recents.list()).map((entry) => entry.name)).toEqual(['Helpdesk'])

    expect(await session.open(path.join(helpdesk, 'schemata.config.json'))).toMatchObject({ ok: true, project: { name: 'Helpdesk' } })
    expect(await schemas(session, window)).toEqual(['northwind'])
    expect((await recents.list()).map((entry) => entry.name)).toEqual(['Helpdesk'])
  })

  it('refuses a project whose config does not load, naming the key and the rule, and keeps serving the open one', async () => {
    const noConfig = await makeProject('no-config', undefined)
    const typo = await makeProject('typo', { name: 'Typo', sharedMigration: 'migrations/shared', tenantTypes: { standard: { migrations: 'migrations/tenant' } } })
    const noFolder = await makeProject('no-folder', { name: 'No folder', tenantTypes: { standard: { migrations: 'migrations/tenant' } } })
    const notJson = await makeProject('not-json', '{"name": "x",')
    const before = await recents.list()
    const running = session.running
    events.length = 0

    const refusals: [string, RegExp][] = [
      ['', /^project: names no folder/],
      [path.join(scratch, 'nowhere'), /nowhere: does not exist$/],
      [noConfig, /no-config: holds no schemata\.config\.json/],
      [typo, /schemata\.config\.json: sharedMigration: is not a known key \(did you mean "sharedMigrations"\?\)/],
      [noFolder, /schemata\.config\.json: tenantTypes\.standard\.migrations: folder "migrations\/tenant" does not exist/],
      [notJson, /schemata\.config\.json: is not valid JSON at line 1/],
    ]
    for (const [folder, message] of refusals) {
      const outcome = await session.open(folder)
      expect(outcome.ok, folder).toBe(false)
      if (!outcome.ok) expect(outcome.message).toMatch(message)
      expect(outcome.project?.name).toBe('Helpdesk')
    }
    // Nothing changed: the same core, still serving, nothing told to the windows, nothing remembered.
    expect(session.running).toBe(running)
    expect(await schemas(session, window)).toEqual(['northwind'])
    expect(await projectName(session, window)).toBe('Helpdesk')
    expect(events).toEqual([])
    expect(await recents.list()).toEqual(before)
  })

  it('goes back to the previous project when the new one loads but cannot start, and says why', async () => {
    // Its config loads; its database (nothing listens on port 1) does not answer.
    const doomed = await makeProject(
      'doomed',
      { name: 'Doomed', tenantTypes: { standard: { migrations: 'migrations/tenant' } }, database: { mode: 'external', url: 'postgres://nobody@127.0.0.1:1/nowhere' } },
      { 'migrations/tenant/.keep': '' },
    )
    await call(session, window, 'tenants/switch', { schema: 'northwind' })
    const outcome = await session.open(doomed)
    expect(outcome.ok).toBe(false)
    if (!outcome.ok) expect(outcome.message).toMatch(/^"Doomed" could not be started: .*127\.0\.0\.1:1.*; back on "Helpdesk"$/s)
    expect(outcome.project?.name).toBe('Helpdesk')
    expect(session.project?.name).toBe('Helpdesk')
    expect(await projectName(session, window)).toBe('Helpdesk')
    expect(await schemas(session, window)).toEqual(['northwind'])
    // Back where it was, the window keeps its tenant.
    expect(window.activeTenant).toBe('northwind')
    expect(events.at(-1)).toMatchObject({ event: 'db/status', payload: { running: true } })
    expect((await recents.list()).map((entry) => entry.name)).toEqual(['Helpdesk'])
  })

  it('does not open a project whose shared migration fails: names the migration and the error, and goes back', async () => {
    const broken = await makeProject(
      'broken-shared',
      { name: 'Broken shared', sharedMigrations: 'migrations/shared', tenantTypes: { standard: { migrations: 'migrations/tenant' } } },
      {
        'migrations/shared/0001_plans.sql': '-- migrate:up\nCREATE TABLE public.plans (id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE public.plans;\n',
        'migrations/shared/0002_broken.sql': '-- migrate:up\nSELECT 1 / 0;\n-- migrate:down\nSELECT 1;\n',
        'migrations/tenant/.keep': '',
      },
    )
    const outcome = await session.open(broken)
    expect(outcome.ok).toBe(false)
    if (!outcome.ok) expect(outcome.message).toMatch(/^"Broken shared" could not be started: migration 0002_broken failed in schema "public": division by zero; back on "Helpdesk"$/)
    expect(session.project?.name).toBe('Helpdesk')
    expect(await schemas(session, window)).toEqual(['northwind'])
    expect((await recents.list()).map((entry) => entry.name)).toEqual(['Helpdesk'])
  })
})

describe('ProjectSession.start', () => {
  it('opens the built-in demo when the --project it was given does not load, and says so', async () => {
    const { session, sessions } = harness()
    try {
      const outcome = await session.start({ path: path.join(scratch, 'gone'), key: '--project' })
      expect(outcome.ok).toBe(false)
      if (!outcome.ok) expect(outcome.message).toMatch(/^--project: .*gone does not exist; opened the built-in demo instead$/)
      expect(outcome.project?.builtin).toBe(true)
      expect(await schemas(session, sessions.open('window-2'))).toEqual(['acme', 'globex', 'initech'])
    } finally {
      await session.stop()
    }
    // A stopped session answers, rather than sending calls to a closed pool.
    await expect(schemas(session, sessions.open('window-2'))).rejects.toThrow(/DATABASE_UNAVAILABLE the database is not ready yet \(stopped\)/)
  })
})
