import { mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { loadProject } from '../../electron/main/project/load-project.ts'
import { RECENT_PROJECTS_FILE, RecentProjects } from '../../electron/main/project/recent-projects.ts'

/*
 * File › Open Recent's list, on real files in a folder of its own: most recent
 * first, one entry per real folder, capped, 0600, written by rename, and a
 * corrupt list replaced rather than fatal.
 */

const base = path.resolve('.test-data', `recent-projects-${process.pid}`)
const userData = path.join(base, 'user-data')
const projects = path.join(base, 'projects')
const file = path.join(userData, RECENT_PROJECTS_FILE)

let clock = 0
const now = (): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++))

/** A minimal valid project folder: one tenant type with an empty migration folder. */
async function makeProject(name: string): Promise<{ root: string; configPath: string; name: string }> {
  const root = path.join(projects, name)
  await mkdir(path.join(root, 'migrations', 'tenant'), { recursive: true })
  const configPath = path.join(root, 'schemata.config.json')
  await writeFile(configPath, JSON.stringify({ name, tenantTypes: { standard: { migrations: 'migrations/tenant' } } }))
  return { root, configPath, name }
}

beforeEach(async () => {
  await rm(base, { recursive: true, force: true })
  await mkdir(projects, { recursive: true })
})

afterAll(() => rm(base, { recursive: true, force: true }))

describe('recent projects', () => {
  it('keeps the most recent first, one entry per real folder, at most `limit`', async () => {
    const recents = new RecentProjects({ dir: userData, limit: 3, now })
    expect(await recents.list()).toEqual([])
    const [a, b, c, d] = await Promise.all(['alpha', 'beta', 'gamma', 'delta'].map(makeProject))
    if (!a || !b || !c || !d) throw new Error('projects not made')
    await recents.remember(a)
    await recents.remember(b)
    // The same folder by another spelling (a symlink) is the same project: it moves to the top, once.
    const link = path.join(projects, 'alpha-link')
    await symlink(a.root, link)
    await recents.remember({ ...a, root: link, configPath: path.join(link, 'schemata.config.json') })
    expect((await recents.list()).map((entry) => entry.name)).toEqual(['alpha', 'beta'])
    expect((await recents.list())[0]?.root).toBe(a.root)

    await recents.remember(c)
    await recents.remember(d)
    expect((await recents.list()).map((entry) => entry.name)).toEqual(['delta', 'gamma', 'alpha'])
    // A new instance reads what the last one wrote.
    expect((await new RecentProjects({ dir: userData, limit: 3 }).list()).map((entry) => entry.name)).toEqual(['delta', 'gamma', 'alpha'])

    await recents.clear()
    expect(await recents.list()).toEqual([])
  })

  it('stores the list 0600 and replaces it by rename, leaving no temporary files', async () => {
    const recents = new RecentProjects({ dir: userData, now })
    const a = await makeProject('alpha')
    await recents.remember(a)
    const before = await stat(file)
    if (process.platform !== 'win32') expect(before.mode & 0o777).toBe(0o600)
    await recents.remember(await makeProject('beta'))
    const after = await stat(file)
    // A new inode: the old file was replaced whole, never rewritten in place.
    expect(after.ino).not.toBe(before.ino)
    if (process.platform !== 'win32') expect(after.mode & 0o777).toBe(0o600)
    expect(await readdir(userData)).toEqual([RECENT_PROJECTS_FILE])
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, projects: [{ name: 'beta' }, { name: 'alpha' }] })
  })

  it('marks entries whose config no longer loads as missing, keeps them, and unmarks them once they load again', async () => {
    const recents = new RecentProjects({ dir: userData, now, check: (configPath) => loadProject(configPath) })
    const a = await makeProject('alpha')
    const b = await makeProject('beta')
    await recents.remember(a)
    await recents.remember(b)
    expect((await recents.refresh()).map((entry) => entry.missing)).toEqual([undefined, undefined])

    await rm(b.root, { recursive: true })
    await writeFile(a.configPath, JSON.stringify({ name: 'alpha', tenantTypes: {} }))
    const marked = await recents.refresh()
    expect(marked.map((entry) => entry.name)).toEqual(['beta', 'alpha'])
    expect(marked[0]?.missing).toMatch(/schemata\.config\.json: does not exist/)
    expect(marked[1]?.missing).toMatch(/tenantTypes: must declare at least one tenant type/)
    // The marks are stored, so a menu built from `list` shows them too.
    expect((await recents.list()).map((entry) => entry.missing === undefined)).toEqual([false, false])

    await makeProject('beta')
    const again = await recents.refresh()
    expect(again[0]).toMatchObject({ name: 'beta' })
    expect(again[0]?.missing).toBeUndefined()
    expect(again[1]?.missing).toBeDefined()
    // Opening it again clears the mark.
    await recents.remember(a)
    expect((await recents.list())[0]).not.toHaveProperty('missing')
  })

  it.each([
    ['not JSON', '{"version": 1, "projects": [', /is corrupt \(not JSON/],
    ['another shape', JSON.stringify({ version: 1, projects: [{ root: 42 }] }), /is corrupt \(projects\.0\.root: /],
    ['a future version', JSON.stringify({ version: 2, projects: [] }), /is corrupt \(version: /],
  ])('reports a list that is %s and replaces it with an empty one', async (_what, text, reported) => {
    await mkdir(userData, { recursive: true })
    await writeFile(file, text)
    const problems: string[] = []
    const recents = new RecentProjects({ dir: userData, now, onProblem: (message) => problems.push(message) })
    expect(await recents.list()).toEqual([])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(reported)
    expect(problems[0]).toContain(file)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, projects: [] })
    await recents.remember(await makeProject('alpha'))
    expect((await recents.list()).map((entry) => entry.name)).toEqual(['alpha'])
    expect(problems).toHaveLength(1)
  })

  it('refuses a limit that is not a whole number of at least 1', () => {
    expect(() => new RecentProjects({ dir: userData, limit: 0 })).toThrow(/limit must be a whole number ≥ 1/)
  })
})
