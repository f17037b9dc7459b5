import pg from 'pg'
import { closeSocketNow } from '../../db/close-socket.ts'
import { DEFAULT_CONNECT_TIMEOUT_MS, addressOf, firstContact } from '../../db/connect-timeout.ts'
import type { DbStatus } from '../../../../contract/types.ts'
import { embeddedStatus, startEmbedded, stopEmbedded } from '../../db/embedded-server.ts'
import { EmbeddedInUseError, liveUsers, setManual } from '../../db/server-users.ts'
import { InvalidInputError } from '../../errors.ts'
import type { CliContext } from '../cli-context.ts'
import { DB_FLAGS } from '../command-table.ts'
import { parseFlags } from '../parse-args.ts'

/** Version, login and database of a server, within the connect timeout (a silent server is reported, not waited for). */
async function serverFacts(url: string, timeoutMs: number): Promise<{ serverVersion: string; user: string; database: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs })
  const ask = async (): Promise<{ serverVersion: string; user: string; database: string }> => {
    await client.connect()
    const { rows } = await client.query<{ v: string; u: string; d: string }>(
      'SELECT current_setting(\'server_version\') AS v, current_user AS u, current_database() AS d',
    )
    const row = rows[0] as { v: string; u: string; d: string }
    return { serverVersion: row.v, user: row.u, database: row.d }
  }
  try {
    const facts = await firstContact(ask(), addressOf(url), timeoutMs)
    await client.end()
    return facts
  } catch (error) {
    // Not end(): it waits for the server, which may be the one not answering.
    closeSocketNow(client)
    throw error
  }
}

/** Reads the status of the configured database (the stable shape of `db status --json`: the contract's DbStatus) without starting or changing anything. */
export async function dbStatus(context: CliContext): Promise<DbStatus> {
  const { target } = context
  if (target.mode === 'external') {
    const url = new URL(target.url as string)
    const base = {
      mode: 'external' as const,
      host: url.hostname,
      port: Number(url.port || 5432),
      dataDir: null,
    }
    try {
      const facts = await serverFacts(target.url as string, target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)
      return { ...base, running: true, database: facts.database, user: facts.user, serverVersion: facts.serverVersion }
    } catch (error) {
      return {
        ...base,
        running: false,
        database: decodeURIComponent(url.pathname.slice(1)) || null,
        user: decodeURIComponent(url.username) || null,
        serverVersion: null,
        error: error instanceof Error ? error.message : String(error),
      }
    }
  }
  const dataDir = target.dataDir as string
  const status = await embeddedStatus(dataDir)
  if (!status.running) {
    return { mode: 'embedded', running: false, host: null, port: null, database: null, user: null, serverVersion: null, dataDir }
  }
  // Already running, so this joins it and starts nothing.
  const server = await startEmbedded({ dataDir })
  return {
    mode: 'embedded',
    running: true,
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.user,
    serverVersion: server.serverVersion ?? null,
    dataDir,
  }
}

/**
 * `schemata db start | stop [--force] | status [--json]`. `db start` keeps the
 * server up until `db stop`; `db stop` refuses while a process uses it (naming
 * each) unless `--force`.
 */
export async function dbCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv
  const { io, target } = context
  switch (verb) {
    case 'status': {
      const flags = parseFlags(rest, DB_FLAGS.status)
      const status = await dbStatus(context)
      if (flags.json) io.out(JSON.stringify(status))
      else {
        io.out(`mode:     ${status.mode}`)
        io.out(`running:  ${status.running ? 'yes' : 'no'}`)
        if (status.host) io.out(`address:  ${status.host}:${status.port}`)
        if (status.database) io.out(`database: ${status.database} (user ${status.user})`)
        if (status.serverVersion) io.out(`server:   PostgreSQL ${status.serverVersion}`)
        if (status.dataDir) io.out(`data dir: ${status.dataDir}`)
        if (status.error) io.out(`error:    ${status.error}`)
      }
      return 0
    }
    case 'start':
    case 'stop': {
      const flags = verb === 'stop' ? parseFlags(rest, DB_FLAGS.stop) : { ...parseFlags(rest, DB_FLAGS.start), force: undefined }
      if (target.mode === 'external') {
        io.err(`DATABASE_URL is set: the external server is not managed by schemata; "db ${verb}" does nothing`)
        if (flags.json) io.out(JSON.stringify({ mode: 'external', changed: false }))
        return 0
      }
      const dataDir = target.dataDir as string
      if (verb === 'start') {
        // Asked for by hand: it stays up when the processes using it leave, until `db stop`.
        await setManual(dataDir, true)
        const server = await startEmbedded({ dataDir, onProgress: (step) => io.err(step) })
        io.out(
          flags.json
            ? JSON.stringify({ mode: 'embedded', changed: server.startedHere, running: true, host: server.host, port: server.port, dataDir })
            : server.startedHere
              ? `PostgreSQL ${server.serverVersion ?? ''} started on ${server.host}:${server.port} (data: ${dataDir})`
              : `PostgreSQL already running on ${server.host}:${server.port} (data: ${dataDir})`,
        )
      } else {
        const users = (await embeddedStatus(dataDir)).running ? await liveUsers(dataDir) : []
        // Stopping it under the app or `serve` would only make their supervisors start it again: say who, and refuse.
        if (users.length > 0 && flags.force !== true) throw new EmbeddedInUseError(users)
        await setManual(dataDir, false)
        const wasRunning = await stopEmbedded(dataDir)
        io.out(
          flags.json
            ? JSON.stringify({ mode: 'embedded', changed: wasRunning, running: false, dataDir })
            : wasRunning
              ? `PostgreSQL stopped (data: ${dataDir})`
              : `PostgreSQL was not running (data: ${dataDir})`,
        )
        if (wasRunning && users.length > 0) {
          io.err(`--force: ${users.map((u) => `pid ${u.pid} (${u.what})`).join(', ')} still use${users.length === 1 ? 's' : ''} it and will start it again`)
        }
      }
      return 0
    }
    default:
      throw new InvalidInputError('command', `"db ${verb ?? ''}" is not a command; use db start | stop | status`)
  }
}
