import { mkdir, readFile, realpath } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { replacePrivateFile } from '../private-file.ts'

/** The file in the app's user-data folder. */
export const RECENT_PROJECTS_FILE = 'recent-projects.json'

/** One project the app has opened, as File › Open Recent lists it. */
export interface RecentProject {
  /** The project folder, by its real path (two spellings of one folder are one entry). */
  readonly root: string
  readonly configPath: string
  readonly name: string
  /** ISO time of the last open. */
  readonly openedAt: string
  /** Why the config no longer loads (folder gone, config broken); such entries stay listed until opened or cleared. */
  readonly missing?: string
}

const entrySchema = z.object({
  root: z.string().min(1),
  configPath: z.string().min(1),
  name: z.string(),
  openedAt: z.string(),
  missing: z.string().optional(),
})
const fileSchema = z.object({ version: z.literal(1), projects: z.array(entrySchema) })

export interface RecentProjectsOptions {
  /** The folder the list is kept in (the app's user-data folder); made if missing. */
  dir: string
  /** How many projects the list keeps. Default 10. */
  limit?: number
  /** A stored list that could not be read is reported here (then replaced by an empty one). Default: stderr. */
  onProblem?: (message: string) => void
  /** Loads a project's config, throwing why it does not load; used by `refresh`. */
  check?: (configPath: string) => Promise<unknown>
  /** The clock, for `openedAt`. */
  now?: () => Date
}

/**
 * The recently opened projects, most recent first, kept as JSON (0600) in the
 * app's user-data folder. Every write goes through a fresh temporary file
 * renamed into place, so a crash mid-write leaves the previous list, never
 * half of one; a list that is not ours to read (corrupt, hand-edited) is
 * reported and replaced, never a reason not to start. Calls run one at a time.
 */
export class RecentProjects {
  readonly file: string
  private readonly limit: number
  private readonly onProblem: (message: string) => void
  private readonly now: () => Date
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: RecentProjectsOptions) {
    this.file = path.join(options.dir, RECENT_PROJECTS_FILE)
    this.limit = options.limit ?? 10
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError(`limit must be a whole number ≥ 1 (got ${this.limit})`)
    this.onProblem = options.onProblem ?? ((message) => console.error(`[schemata] ${message}`))
    this.now = options.now ?? (() => new Date())
  }

  /** The stored list, most recent first. */
  list(): Promise<RecentProject[]> {
    return this.serially(() => this.read())
  }

  /** Puts a project first (replacing its older entry, clearing any missing mark) and drops the oldest past the limit. */
  remember(project: { root: string; configPath: string; name: string }): Promise<RecentProject[]> {
    return this.serially(async () => {
      const root = await realOrResolved(project.root)
      const entry: RecentProject = { root, configPath: path.resolve(project.configPath), name: project.name, openedAt: this.now().toISOString() }
      const rest = (await this.read()).filter((other) => other.root !== root)
      const next = [entry, ...rest].slice(0, this.limit)
      await this.write(next)
      return next
    })
  }

  /** Empties the list (File › Open Recent › Clear Recently Opened). */
  clear(): Promise<void> {
    return this.serially(() => this.write([]))
  }

  /**
   * Loads each listed config again and marks those that no longer load as
   * missing (with why), or unmarks those that load again; the order is kept.
   * Written back only when a mark changed.
   */
  refresh(): Promise<RecentProject[]> {
    return this.serially(async () => {
      const check = this.options.check
      const entries = await this.read()
      if (check === undefined) return entries
      const next = await Promise.all(
        entries.map(async (entry): Promise<RecentProject> => {
          const { missing: _was, ...rest } = entry
          try {
            await check(entry.configPath)
            return rest
          } catch (error) {
            return { ...rest, missing: error instanceof Error ? error.message : String(error) }
          }
        }),
      )
      if (next.some((entry, i) => entry.missing !== entries[i]?.missing)) await this.write(next)
      return next
    })
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async read(): Promise<RecentProject[]> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      this.onProblem(`the recent projects list ${this.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); starting a new one`)
      await this.write([])
      return []
    }
    let problem: string
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text))
      if (parsed.success) return dedupe(parsed.data.projects).slice(0, this.limit)
      const issue = parsed.error.issues[0]
      problem = `${issue?.path.join('.') || '(file)'}: ${issue?.message ?? 'not a recent projects list'}`
    } catch (error) {
      problem = `not JSON (${error instanceof Error ? error.message : String(error)})`
    }
    this.onProblem(`the recent projects list ${this.file} is corrupt (${problem}); replaced by an empty list`)
    await this.write([])
    return []
  }

  private async write(projects: readonly RecentProject[]): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 })
    await replacePrivateFile(this.file, `${JSON.stringify({ version: 1, projects }, null, 2)}\n`)
  }
}

/** A hand-edited list may name one folder twice: the first (most recent) wins. */
function dedupe(entries: readonly RecentProject[]): RecentProject[] {
  const seen = new Set<string>()
  return entries.filter((entry) => {
    if (seen.has(entry.root)) return false
    seen.add(entry.root)
    return true
  })
}

/** A folder that is gone has no real path; its resolved one still identifies the entry. */
async function realOrResolved(folder: string): Promise<string> {
  try {
    return await realpath(folder)
  } catch {
    return path.resolve(folder)
  }
}
