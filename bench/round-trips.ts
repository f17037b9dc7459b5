import pg from 'pg'

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown

let installed = false
let count = 0
let busyMs = 0
let captured: string[] | undefined

function textOf(config: unknown): string {
  if (typeof config === 'string') return config
  if (config !== null && typeof config === 'object' && 'text' in config) return String(config.text)
  return '<non-text query>'
}

/**
 * Counts every `pg.Client#query` call in this process — Sequelize's pooled
 * connections and our own clients alike. node-postgres sends one query (simple
 * or extended protocol) per network round trip and never pipelines, so calls
 * equal round trips. Installed by the bench only; the product never patches pg.
 */
export function installRoundTripCounter(): void {
  if (installed) return
  installed = true
  const proto = pg.Client.prototype as unknown as { query: QueryFn }
  const original = proto.query
  proto.query = function countedQuery(this: pg.Client, ...args: unknown[]): unknown {
    count++
    captured?.push(textOf(args[0]))
    const start = performance.now()
    const done = (): void => {
      busyMs += performance.now() - start
    }
    const last = args[args.length - 1]
    if (typeof last === 'function') {
      // Callback style (Sequelize): time until the callback runs.
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
 * Milliseconds spent inside pg queries so far (from the call until the result
 * is back: network, server, protocol parsing). Around a sequential step, the
 * rest of the wall time is client-side work: our code, Sequelize, umzug.
 */
export function queryMs(): number {
  return busyMs
}

/** Round trips so far; take the difference around a measured step. */
export function roundTrips(): number {
  return count
}

/** Runs `fn` and returns the SQL text of every round trip it made, in order (for tracing). */
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
