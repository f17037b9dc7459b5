import { DatabaseUnavailableError, InvalidInputError } from '../errors.ts'

/** How long a connection attempt may take (TCP, TLS, start-up and authentication) unless SCHEMATA_CONNECT_TIMEOUT says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

export const CONNECT_TIMEOUT_ENV = 'SCHEMATA_CONNECT_TIMEOUT'

/**
 * The connect timeout the environment asks for: SCHEMATA_CONNECT_TIMEOUT in
 * seconds (fractions allowed, at most an hour), else the default. A value that
 * is not a positive number is refused rather than read as "no limit": a
 * server that accepts TCP and never answers would hang every command again.
 */
export function connectTimeoutFromEnvironment(env: NodeJS.ProcessEnv): number {
  return timeoutFromEnvironment(env, CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT_MS, 3600)
}

/**
 * A timeout the environment sets in seconds (`name`; fractions allowed, above
 * 0 and at most `maxSeconds`), in ms; `defaultMs` when unset. Anything else is
 * invalid input naming the variable, never "no limit".
 */
export function timeoutFromEnvironment(env: NodeJS.ProcessEnv, name: string, defaultMs: number, maxSeconds: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return defaultMs
  const seconds = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || !(seconds > 0) || seconds > maxSeconds) {
    throw new InvalidInputError(name, `must be a number of seconds above 0 and at most ${maxSeconds} (got ${JSON.stringify(raw.slice(0, 40))})`)
  }
  return Math.max(1, Math.round(seconds * 1000))
}

/** "10 s", "0.5 s": a timeout as the messages show it. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

/** Where a URL points, for messages: host:port, never the password. */
export function addressOf(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '5432'}`
  } catch {
    // An unparsable URL fails elsewhere with its own message; this only labels it.
    return 'the configured address'
  }
}

/**
 * The first contact with a database, held to the connect timeout as a whole.
 * node-postgres' connectionTimeoutMillis bounds each connection attempt, but
 * Sequelize opens an extra connection to read the server version before its
 * pool (outside the pool's acquire timeout) and runs set-up statements after
 * connecting; this bounds all of it, so a server that accepts TCP and never
 * answers fails here with a message instead of hanging the process.
 */
export async function firstContact<T>(work: Promise<T>, where: string, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const tooLate = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(noAnswer(where, timeoutMs)), timeoutMs)
  })
  // A late failure of the abandoned attempt must not surface as an unhandled rejection.
  work.catch(() => undefined)
  try {
    return await Promise.race([work, tooLate])
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw error
    if (isConnectTimeout(error)) throw noAnswer(where, timeoutMs, error)
    throw error
  } finally {
    clearTimeout(timer)
  }
}

function noAnswer(where: string, timeoutMs: number, cause?: unknown): DatabaseUnavailableError {
  return new DatabaseUnavailableError(
    `PostgreSQL at ${where} did not answer within ${seconds(timeoutMs)} (connect timeout; ${CONNECT_TIMEOUT_ENV}=<seconds> changes it): is that the right address, and is the server up and not overloaded?`,
    cause === undefined ? undefined : { cause },
  )
}

/** node-postgres' own connect timeout, however Sequelize wrapped it. */
function isConnectTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (/connection timeout|timeout expired|Connection timed out/i.test(current.message)) return true
    const wrapped = current as { parent?: unknown; original?: unknown; cause?: unknown }
    current = wrapped.parent ?? wrapped.original ?? wrapped.cause
  }
  return false
}
