import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { SchemataError } from '../errors.ts'

/*
 * Who uses the embedded server of a data directory. Every process that opens
 * the database (the app, `serve`, each CLI command) holds a lease — a file
 * named after its pid in `<root>/users/` — while it does. The server stops
 * when its last user leaves, whoever started it; `schemata db stop` refuses
 * while a user is left (issue 10, item 7; issue 11). Leases of processes that
 * died are ignored (and removed): a pid is alive *and* started when the lease
 * says, so a recycled pid does not count.
 *
 * Two marks beside the leases: `manual` (`db start` asked for the server to
 * stay up until `db stop`) and `server.json` (the postmaster a lease holder
 * started on demand: only such a server is stopped when its users are gone —
 * one started by an older version, or by hand, is left alone). Joins and
 * leaves take a lock directory, so a process joining at the moment the last
 * one leaves either keeps the server up or finds it stopped, never stopped
 * under it.
 */

/** A process that uses the embedded server. */
export interface ServerUser {
  pid: number
  /** What it is: `schemata serve`, `the Schemata app`, `schemata tenant list`, … */
  what: string
  /** ISO 8601. */
  since: string
}

/** A lease this process holds; give it back with `leave`. */
export interface ServerLease {
  readonly dataDir: string
  readonly file: string
}

interface LeaseRecord extends ServerUser {
  /** The process's start time (Linux: /proc/<pid>/stat field 22), to tell a recycled pid apart. */
  startTime: string | null
}

/** `db stop` while the server has users: names them. */
export class EmbeddedInUseError extends SchemataError {
  readonly users: readonly ServerUser[]

  constructor(users: readonly ServerUser[]) {
    const list = users.map((u) => `pid ${u.pid} (${u.what})`).join(', ')
    super('CONFLICT', `the embedded PostgreSQL is in use by ${list}; stop ${users.length === 1 ? 'it' : 'them'} first, or use --force (they will restart it)`)
    this.users = users
  }
}

const LOCK_TIMEOUT_MS = 15_000

function usersDir(dataDir: string): string {
  return path.join(dataDir, 'users')
}

/** Takes a lease for this process: it now counts as a user of the server. */
export async function joinServer(dataDir: string, what: string): Promise<ServerLease> {
  const dir = usersDir(dataDir)
  return withUsersLock(dataDir, async () => {
    const record: LeaseRecord = { pid: process.pid, startTime: await processStartTime(process.pid), what, since: new Date().toISOString() }
    // Several connections of one process (a CLI command, the app) share one pid: one file each.
    const file = path.join(dir, `${process.pid}-${Math.random().toString(36).slice(2, 10)}.json`)
    await writeFile(file, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' })
    return { dataDir, file }
  })
}

/**
 * Gives a lease back. If no live user is left and the running server is the
 * one a user started on demand (not `db start`'s), `stop` is called, inside
 * the lock. Returns whether it was.
 */
export async function leaveServer(lease: ServerLease, stop: (postmasterPid: number) => Promise<boolean>, runningPid: () => Promise<number | undefined>): Promise<boolean> {
  return withUsersLock(lease.dataDir, async () => {
    await rm(lease.file, { force: true })
    if ((await liveUsers(lease.dataDir)).length > 0) return false
    if (await exists(path.join(usersDir(lease.dataDir), 'manual'))) return false
    const onDemand = await readOnDemand(lease.dataDir)
    const running = await runningPid()
    if (running === undefined || onDemand !== running) return false
    return stop(running)
  })
}

/** Records the postmaster a lease holder just started: it is stopped when its users are gone. */
export async function recordStartedOnDemand(dataDir: string, postmasterPid: number): Promise<void> {
  await mkdir(usersDir(dataDir), { recursive: true, mode: 0o700 })
  const file = path.join(usersDir(dataDir), 'server.json')
  await writeFile(`${file}.tmp`, `${JSON.stringify({ pid: postmasterPid })}\n`, { mode: 0o600 })
  await rename(`${file}.tmp`, file)
}

/** `db start` (on) and `db stop` (off): the server stays up without users until `db stop`. */
export async function setManual(dataDir: string, on: boolean): Promise<void> {
  await mkdir(usersDir(dataDir), { recursive: true, mode: 0o700 })
  const file = path.join(usersDir(dataDir), 'manual')
  if (on) await writeFile(file, `${new Date().toISOString()}\n`, { mode: 0o600 })
  else await rm(file, { force: true })
}

/** The processes using the server now (stale leases are removed on the way). */
export async function liveUsers(dataDir: string): Promise<ServerUser[]> {
  const dir = usersDir(dataDir)
  const names = await readdir(dir).catch(() => [] as string[])
  const users: ServerUser[] = []
  for (const name of names) {
    if (!/^\d+-[a-z0-9]+\.json$/.test(name)) continue
    const file = path.join(dir, name)
    const record = await readRecord(file)
    if (record === undefined || !(await isSameProcess(record))) {
      await rm(file, { force: true })
      continue
    }
    users.push({ pid: record.pid, what: record.what, since: record.since })
  }
  return users.sort((a, b) => a.pid - b.pid)
}

async function readRecord(file: string): Promise<LeaseRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LeaseRecord>
    if (typeof parsed.pid !== 'number' || typeof parsed.what !== 'string' || typeof parsed.since !== 'string') return undefined
    return { pid: parsed.pid, what: parsed.what, since: parsed.since, startTime: typeof parsed.startTime === 'string' ? parsed.startTime : null }
  } catch {
    return undefined
  }
}

async function readOnDemand(dataDir: string): Promise<number | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(usersDir(dataDir), 'server.json'), 'utf8')) as { pid?: unknown }
    return typeof parsed.pid === 'number' ? parsed.pid : undefined
  } catch {
    return undefined
  }
}

async function isSameProcess(record: LeaseRecord): Promise<boolean> {
  if (!isAlive(record.pid)) return false
  if (record.startTime === null) return true
  return (await processStartTime(record.pid)) === record.startTime
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces); null off Linux. */
async function processStartTime(pid: number): Promise<string | null> {
  if (process.platform !== 'linux') return null
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (text === undefined) return null
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(
    () => true,
    () => false,
  )
}

/**
 * A lock between processes: a directory only one can create. Its owner file
 * says which process holds it, so one left by a process that died is taken over.
 */
async function withUsersLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const dir = usersDir(dataDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const lock = path.join(dir, '.lock')
  const deadline = Date.now() + LOCK_TIMEOUT_MS
  for (;;) {
    try {
      await mkdir(lock, { mode: 0o700 })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = await readRecord(path.join(lock, 'owner.json'))
      // No owner file yet: the holder is between mkdir and writing it; give it a moment before calling it stale.
      if (owner !== undefined ? !(await isSameProcess(owner)) : Date.now() > deadline - LOCK_TIMEOUT_MS / 2) {
        await rm(lock, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new SchemataError('DATABASE_UNAVAILABLE', `${lock} is held by pid ${owner?.pid ?? '?'} for more than ${LOCK_TIMEOUT_MS / 1000} s`)
      await sleep(25)
    }
  }
  try {
    const record: LeaseRecord = { pid: process.pid, startTime: await processStartTime(process.pid), what: 'lock', since: new Date().toISOString() }
    await writeFile(path.join(lock, 'owner.json'), JSON.stringify(record), { mode: 0o600 })
    return await fn()
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}
