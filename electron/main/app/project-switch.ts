import { type DatabaseTarget, targetFromEnvironment } from '../db/connect.ts'
import type { Dispatch, EventSink, WindowSession } from '../handlers/dispatch-types.ts'
import type { SessionStore } from '../handlers/session-store.ts'
import { type StartupDispatcher, createStartupDispatcher } from '../handlers/startup-dispatcher.ts'
import { ProjectConfigError } from '../project/config-error.ts'
import { databaseTargetFor } from '../project/database-target.ts'
import { builtinConfigPath, isBuiltinConfig, namedConfig } from '../project/find-config.ts'
import { loadProject } from '../project/load-project.ts'
import type { Project } from '../project/project.ts'
import type { RecentProjects } from '../project/recent-projects.ts'
import { type RunningApp, type StartAppOptions, startApp } from './start-app.ts'

/** What opening a project came to; on failure `project` is the one the app is on now (unchanged, or gone back to). */
export type ProjectOutcome = { ok: true; project: Project } | { ok: false; message: string; project: Project | undefined }

/** What every start shares; the session adds the project, its database, the window sessions and the status reports. */
export type SharedStartOptions = Omit<StartAppOptions, 'project' | 'target' | 'sessions' | 'onProgress' | 'onDbStatus'>

export interface ProjectSessionOptions {
  /** The start options for a project's database (the desktop app keeps the local server's secrets in its data directory). */
  startOptions: (target: DatabaseTarget) => SharedStartOptions
  /** The windows' sessions, shared with the transport. */
  sessions: SessionStore
  /** Pushes an event to every window. */
  broadcast: EventSink
  /** Where a project's database is. Default: databaseTargetFor (its config, DATABASE_URL, SCHEMATA_DATA_DIR). */
  targetFor?: (project: Project) => DatabaseTarget
  /** What the windows' calls go to once a project runs. Default: the running app's own dispatcher. */
  dispatcherFor?: (running: RunningApp) => Dispatch
  /** Where opened projects are remembered (the built-in demo is not listed: it has its own menu item). */
  recents?: RecentProjects
  /** The project the app is on changed (window titles, the recent-projects menu). */
  onProject?: (project: Project, running: RunningApp) => void
  /** Failures the session carries on after (a recents write, stopping a core). Default: stderr. */
  onWarning?: (message: string, error: unknown) => void
}

interface Active {
  project: Project
  target: DatabaseTarget
  /** Undefined while starting, or when its start failed. */
  running: RunningApp | undefined
}

/**
 * The desktop app's one open project. Opening another loads and checks its
 * whole config first — a config error names the key and the rule and changes
 * nothing — then stops the running core, starts it on the new project, and
 * tells the windows (`db/status`, then `tenants/changed` with reason
 * `project`). If the new project cannot start, the previous one is started
 * again and the outcome says why. Windows call through `dispatch` all along:
 * while a core starts they get `db/status` answered offline and every other
 * call a DATABASE_UNAVAILABLE naming the step, never a hang. Opens run one at
 * a time, in the order asked.
 */
export class ProjectSession {
  readonly dispatch: Dispatch
  private startup: StartupDispatcher
  private active: Active | undefined
  private generation = 0
  private queue: Promise<unknown> = Promise.resolve()
  /** The windows that have called: their active tenant belongs to the project they chose it in. */
  private readonly seen = new Set<WindowSession>()
  private readonly targetFor: (project: Project) => DatabaseTarget
  private readonly warn: (message: string, error: unknown) => void

  constructor(private readonly options: ProjectSessionOptions) {
    this.targetFor = options.targetFor ?? ((project) => databaseTargetFor(project))
    this.warn = options.onWarning ?? ((message, error) => console.error(`[schemata] ${message}:`, error))
    // Until the first start names the project, the windows see the environment's database as starting.
    this.startup = createStartupDispatcher(targetFromEnvironment())
    this.dispatch = (name, input, context) => {
      this.seen.add(context.session)
      return this.startup.dispatch(name, input, context)
    }
  }

  /** The open project; undefined before the first start. */
  get project(): Project | undefined {
    return this.active?.project
  }

  /** The running core; undefined while one starts or when the last start failed. */
  get running(): RunningApp | undefined {
    return this.active?.running
  }

  /**
   * The first start: the project in `initial` (a folder or config file, from
   * `--project` or SCHEMATA_CONFIG; `key` names where it came from), else the
   * built-in demo — also when `initial` does not load, which the outcome reports.
   */
  start(initial?: { path: string; key: string; cwd?: string }): Promise<ProjectOutcome> {
    return this.serially(async () => {
      if (initial === undefined) return this.switchTo(await loadBuiltin())
      const loaded = await loadNamed(initial.path, initial.key, initial.cwd)
      let why: string
      if (loaded.ok) {
        const opened = await this.switchTo(loaded.project)
        if (opened.ok) return opened
        why = opened.message
      } else {
        why = loaded.message
      }
      const fallback = await this.switchTo(await loadBuiltin())
      return { ok: false, message: fallback.ok ? `${why}; opened the built-in demo instead` : `${why}; ${fallback.message}`, project: fallback.project }
    })
  }

  /** Opens the project in a folder (or a config file's project); the outcome says what the app is on afterwards. */
  open(folderOrConfig: string): Promise<ProjectOutcome> {
    return this.serially(async () => {
      const loaded = await loadNamed(folderOrConfig, undefined)
      if (!loaded.ok) return { ok: false, message: loaded.message, project: this.active?.project }
      return this.switchTo(loaded.project)
    })
  }

  /** Goes back to the demo that ships with Schemata. */
  openBuiltin(): Promise<ProjectOutcome> {
    return this.serially(async () => {
      let builtin: Project
      try {
        builtin = await loadBuiltin()
      } catch (error) {
        return { ok: false, message: messageOf(error), project: this.active?.project }
      }
      return this.switchTo(builtin)
    })
  }

  /** Stops the running core (on quit); later calls from windows are told the database is not ready. */
  stop(): Promise<void> {
    return this.serially(async () => {
      this.generation++
      const running = this.active?.running
      if (this.active !== undefined) this.active.running = undefined
      this.offline(this.active?.target ?? targetFromEnvironment(), 'stopped')
      await running?.stop()
    })
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async switchTo(project: Project): Promise<ProjectOutcome> {
    let target: DatabaseTarget
    try {
      target = this.targetFor(project)
    } catch (error) {
      // An external database whose URL variable is unset: refused like any other config error.
      return { ok: false, message: messageOf(error), project: this.active?.project }
    }
    const previous = this.active
    if (previous?.running !== undefined && previous.project.configPath === project.configPath) return { ok: true, project: previous.project }

    if (previous?.running !== undefined) {
      this.active = { ...previous, running: undefined }
      // From here the windows' calls are answered "not ready", not sent to a core that is stopping.
      this.offline(previous.target, `closing ${previous.project.name}`)
      try {
        await previous.running.stop()
      } catch (error) {
        this.warn(`stopping "${previous.project.name}" failed`, error)
      }
    }
    try {
      const running = await this.startCore(project, target)
      this.active = { project, target, running }
      await this.opened(project, running)
      return { ok: true, project }
    } catch (error) {
      const why = `"${project.name}" could not be started: ${messageOf(error)}`
      if (previous === undefined) {
        this.active = { project, target, running: undefined }
        return { ok: false, message: why, project }
      }
      try {
        const running = await this.startCore(previous.project, previous.target)
        this.active = { ...previous, running }
        this.options.broadcast('db/status', await running.dbStatus())
        return { ok: false, message: `${why}; back on "${previous.project.name}"`, project: previous.project }
      } catch (again) {
        this.active = { ...previous, running: undefined }
        return { ok: false, message: `${why}; and "${previous.project.name}" could not be started again either: ${messageOf(again)}`, project: previous.project }
      }
    }
  }

  /** Answers the windows from a start-up dispatcher (db/status offline, every other call "not ready yet (step)"), and tells them. */
  private offline(target: DatabaseTarget, step: string): StartupDispatcher {
    const startup = createStartupDispatcher(target)
    startup.progress(step)
    this.startup = startup
    this.options.broadcast('db/status', startup.offlineStatus())
    return startup
  }

  /** Starts the core on a project; the windows' calls wait on a fresh start-up dispatcher meanwhile. */
  private async startCore(project: Project, target: DatabaseTarget): Promise<RunningApp> {
    const generation = ++this.generation
    const current = (): boolean => generation === this.generation
    const startup = this.offline(target, `opening ${project.name}`)
    const { broadcast } = this.options
    try {
      const running = await startApp({
        ...this.options.startOptions(target),
        target,
        project,
        sessions: this.options.sessions,
        onProgress: (step) => {
          startup.progress(step)
          if (current()) broadcast('db/status', startup.offlineStatus())
        },
        // A stopped core's late reports must not overwrite the status of the one that replaced it.
        onDbStatus: (status) => {
          if (current()) broadcast('db/status', status)
        },
      })
      startup.ready(this.options.dispatcherFor?.(running) ?? running.dispatch)
      return running
    } catch (error) {
      startup.failed(error)
      broadcast('db/status', startup.offlineStatus())
      throw error
    }
  }

  /** A project is open: windows start over with no active tenant, recents and listeners hear of it. */
  private async opened(project: Project, running: RunningApp): Promise<void> {
    for (const session of this.seen) {
      // A tenant of the old project may share its schema name with an unrelated tenant of the new one.
      if (this.options.sessions.get(session.id) === session) session.activeTenant = null
      else this.seen.delete(session)
    }
    if (!project.builtin && this.options.recents !== undefined) {
      try {
        await this.options.recents.remember(project)
      } catch (error) {
        this.warn('could not remember the project in the recent projects list', error)
      }
    }
    this.options.broadcast('db/status', await running.dbStatus())
    this.options.broadcast('tenants/changed', { reason: 'project' })
    this.options.onProject?.(project, running)
  }
}

/**
 * The project the app starts on: `--project <dir>` (or `--project=<dir>`) on
 * its command line, else SCHEMATA_CONFIG (a folder or a config file, as for
 * the CLI), else none (the built-in demo). `key` names the source in messages.
 */
export function startProjectFrom(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { path: string; key: string } | undefined {
  for (const [i, arg] of argv.entries()) {
    if (arg === '--project') return { path: argv[i + 1] ?? '', key: '--project' }
    if (arg.startsWith('--project=')) return { path: arg.slice('--project='.length), key: '--project' }
  }
  const fromEnv = env.SCHEMATA_CONFIG?.trim()
  return fromEnv ? { path: fromEnv, key: 'SCHEMATA_CONFIG' } : undefined
}

type Loaded = { ok: true; project: Project } | { ok: false; message: string }

/** `where` names the path's origin in messages (`--project`); without it the path itself does. */
async function loadNamed(value: string, where: string | undefined, cwd = process.cwd()): Promise<Loaded> {
  try {
    if (value.trim() === '') throw new ProjectConfigError(where ?? 'project', undefined, 'names no folder (give the folder holding schemata.config.json)')
    const configPath = namedConfig(value, cwd, where)
    return { ok: true, project: await loadProject(configPath, { builtin: isBuiltinConfig(configPath) }) }
  } catch (error) {
    return { ok: false, message: messageOf(error) }
  }
}

function loadBuiltin(): Promise<Project> {
  return loadProject(builtinConfigPath(), { builtin: true })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
