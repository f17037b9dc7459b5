import { parseArgs, type ParseArgsConfig } from 'node:util'
import { InvalidInputError } from '../errors.ts'

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses one command's flags strictly; an unknown flag or a missing value is invalid input naming it. */
export function parseFlags<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw asInvalidInput(error)
  }
}

/** node:util's refusal as invalid input naming the flag. */
function asInvalidInput(error: unknown): InvalidInputError {
  const message = error instanceof Error ? error.message : String(error)
  const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? 'arguments'
  return new InvalidInputError(flag.replace(/^-+/, ''), message.replace(/\. To specify.*$/s, ''))
}

/** Like `parseFlags`, also returning the arguments that are not flags. */
export function parseFlagsAndPositionals<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true })
  } catch (error) {
    throw asInvalidInput(error)
  }
}

/** A required string flag. */
export function requireFlag(values: Record<string, unknown>, name: string): string {
  const value = values[name]
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(name, `--${name} is required`)
  return value
}

/** An optional whole-number flag within bounds. */
export function intFlag(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = values[name]
  if (value === undefined) return undefined
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new InvalidInputError(name, `--${name} must be a whole number from ${min} to ${max}`)
  }
  return Number(text)
}
