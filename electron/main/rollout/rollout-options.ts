import type { RolloutOptions, RolloutOrderBy } from '../../../contract/rollout-types.ts'
import { schemaNameProblem } from '../../../contract/naming-rules.ts'
import { InvalidInputError, quoteForMessage } from '../errors.ts'
import { parseDuration } from './durations.ts'

/** What a run does when not told otherwise. */
export const ROLLOUT_DEFAULTS = {
  maxFailures: 1,
  pauseBetweenMs: 0,
  lockTimeoutMs: 5000,
  lockRetries: 2,
  /** Tenants an atomic run may hold in its one transaction (each holds locks until COMMIT). */
  atomicLimit: 200,
} as const

const DAY_MS = 24 * 3_600_000

/** A rollout as typed on a command line (or sent by the console): text where people type text. */
export interface RolloutRequest {
  /** `name`, `created`, `size` or `file:PATH` (the file already read: see `orderFile`). */
  order?: string
  orderFile?: { path: string; schemas: string[] }
  /** `acme,globex` (named tenants) or `5` (that many at random). */
  canary?: string
  wave?: number
  maxFailures?: number
  /** Durations as people type them: `10s`, `500ms`. */
  pauseBetween?: string
  lockTimeout?: string
  lockRetries?: number
  atomic?: boolean
  concurrency: number
  schema?: string
}

/** The order's kind, and the path for `file:PATH`. */
export function parseOrder(text: string): { by: RolloutOrderBy; path?: string } {
  if (text === 'name' || text === 'created' || text === 'size') return { by: text }
  if (text.startsWith('file:') && text.length > 'file:'.length) return { by: 'file', path: text.slice('file:'.length) }
  throw new InvalidInputError('order', `${quoteForMessage(text)} is not an order: use name, created, size or file:PATH`)
}

function parseCanary(text: string): RolloutOptions['canary'] {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) {
    const count = Number(trimmed)
    if (count < 1 || count > 100_000) throw new InvalidInputError('canary', 'a number of tenants must be from 1 to 100000')
    return { count }
  }
  const schemas = trimmed.split(',').map((s) => s.trim())
  if (schemas.some((s) => s === '')) throw new InvalidInputError('canary', 'must be tenant schemas separated by commas (acme,globex) or a number (5)')
  for (const schema of schemas) {
    const problem = schemaNameProblem(schema)
    if (problem) throw new InvalidInputError('canary', `${quoteForMessage(schema)} ${problem}`)
  }
  const twice = schemas.find((s, i) => schemas.indexOf(s) !== i)
  if (twice !== undefined) throw new InvalidInputError('canary', `${twice} is named twice`)
  return { schemas }
}

function whole(value: number | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidInputError(field, `--${field} must be a whole number from ${min} to ${max}`)
  return value
}

/**
 * The options of a run, checked and with defaults filled in; a problem is
 * invalid input naming the flag, before anything runs.
 */
export function rolloutOptions(request: RolloutRequest): RolloutOptions {
  const order = parseOrder(request.order ?? 'name')
  if (order.by === 'file' && request.orderFile === undefined) throw new InvalidInputError('order', 'file: the order file was not read')
  const maxFailures = whole(request.maxFailures, 'max-failures', 1, 1_000_000) ?? ROLLOUT_DEFAULTS.maxFailures
  const wave = whole(request.wave, 'wave', 1, 1_000_000)
  const lockRetries = whole(request.lockRetries, 'lock-retries', 0, 100) ?? ROLLOUT_DEFAULTS.lockRetries
  const options: RolloutOptions = {
    order: order.by,
    maxFailures,
    pauseBetweenMs: request.pauseBetween === undefined ? ROLLOUT_DEFAULTS.pauseBetweenMs : parseDuration(request.pauseBetween, 'pause-between', DAY_MS),
    lockTimeoutMs: request.lockTimeout === undefined ? ROLLOUT_DEFAULTS.lockTimeoutMs : parseDuration(request.lockTimeout, 'lock-timeout', 3_600_000),
    lockRetries,
    atomic: request.atomic === true,
    concurrency: request.concurrency,
  }
  if (options.lockTimeoutMs < 1) throw new InvalidInputError('lock-timeout', '--lock-timeout must be at least 1ms (0 would mean waiting forever)')
  if (order.by === 'file' && request.orderFile) options.orderFile = request.orderFile
  if (request.canary !== undefined) options.canary = parseCanary(request.canary)
  if (wave !== undefined) options.wave = wave
  if (request.schema !== undefined) options.schema = request.schema
  if (options.atomic) {
    const staged = [options.canary ? '--canary' : '', options.wave ? '--wave' : '', options.pauseBetweenMs > 0 ? '--pause-between' : ''].filter(Boolean)
    if (staged.length > 0) throw new InvalidInputError('atomic', `runs every tenant in one transaction, so it takes no ${staged.join(', ')}`)
  }
  return options
}
