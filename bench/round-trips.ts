import pg from 'pg'

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown

let installed = false
let count = 0
let busyMs = 0
let busySince = 0
let inFlightTotal = 0
const inFlight = new WeakMap<pg.Client, number>()
let captured: string[] | undefined

function textOf(config: unknown): string {
  if (typeof config === 'string') return config
  if (config !== null && typeof config === 'object' && 'text' in config) return String(config.text)
  return '<non-text query>'
}

/**
 * Counts round trips of every `pg.Client#query` call in this process —
 * Sequelize's pooled connections and our own clients alike. A statement sent
 * while its connection has nothing in flight starts a round trip; one sent
 * behind statements still in flight (a pipelined transaction) rides on theirs.
 * Installed by the bench only; the product never patches pg.
 */
export function installRoundTripCounter(): void {
  if (installed) return
  installed = true
  const proto = pg.Client.prototype as unknown as { query: QueryFn }
  const original = proto.query
  proto.query = function countedQuery(this: pg.Client, ...args: unknown[]): unknown {
    const pending = inFlight.get(this) ?? 0
    if (pending === 0) count++
    inFlight.set(this, pending + 1)
    if (inFlightTotal++ === 0) busySince = performance.now()
    captured?.push(`${pending === 0 ? '' : '  ⤷ pipelined: '}${textOf(args[0])}`)
    let settled = false
    const done = (): void => {
      if (settled) return
      settled = true
      inFlight.set(this, (inFlight.get(this) ?? 1) - 1)
      if (--inFlightTotal === 0) busyMs += performance.now() - busySince
    }
    const last = args[args.length - 1]
    if (typeof last === 'function') {
      // Callback style (Sequelize): done when the callback runs.
      const callback = last as (...results: unknown[]) => unknown
      args[args.length - 1] = (...results: unknown[]): unknown => {
        done()
        return callback(...results)
      }
      return original.apply(this, args)
    }
    const result = original.apply(this, args)
    if (result instanceof Promise) result.then(done, done)
    return result
  }
}

/**
 * Milliseconds during which at least one pg query was in flight (from the call
 * until the result is back: network, server, protocol parsing). Around a
 * sequential step, the rest of the wall time is client-side work: our code,
 * Sequelize, umzug.
 */
export function queryMs(): number {
  // The open span counts up to now: a statement still in flight when a measured step
  // ends (a read-only scope's unwaited COMMIT) belongs to the time of the step it
  // overlaps, so busy time inside a step never exceeds the step's wall time.
  return inFlightTotal > 0 ? busyMs + (performance.now() - busySince) : busyMs
}

/** Round trips so far; take the difference around a measured step. */
export function roundTrips(): number {
  return count
}

/** Runs `fn` and returns the SQL text of every statement it sent, in order, pipelined ones marked (for tracing). */
export async function captureStatements(fn: () => Promise<unknown>): Promise<string[]> {
  const mine: string[] = []
  captured = mine
  try {
    await fn()
  } finally {
    captured = undefined
  }
  return mine
}
