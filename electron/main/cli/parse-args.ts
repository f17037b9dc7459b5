import { parseArgs, type ParseArgsConfig } from 'node:util'
import { closestMatch } from '../../../contract/closest-match.ts'
import { InvalidInputError } from '../errors.ts'

type Options = NonNullable<ParseArgsConfig['options']>

/** `--help` or `-h` among the arguments (before a `--`, after which everything is a plain argument). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false
    if (arg === '--help' || arg === '-h') return true
  }
  return false
}

/** Checks one command form's arguments (flags, values, plain arguments) before its code is even loaded. */
export function checkArguments(argv: readonly string[], form: { flags: Options; positionals?: boolean }): void {
  try {
    parseArgs({ args: [...argv], options: form.flags, strict: true, allowPositionals: form.positionals === true })
  } catch (error) {
    throw asInvalidInput(error, form.flags)
  }
}

/** Parses one command's flags strictly; an unknown flag or a missing value is invalid input naming it. */
export function parseFlags<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw asInvalidInput(error, options)
  }
}

/** node:util's refusal as invalid input naming the flag, and for an unknown one the closest known flag. */
function asInvalidInput(error: unknown, options: Options): InvalidInputError {
  const message = error instanceof Error ? error.message : String(error)
  const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? 'arguments'
  const code = (error as { code?: unknown }).code
  let hint = ''
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const guess = closestMatch(flag.replace(/^-+/, ''), Object.keys(options))
    hint = guess === undefined ? `; this command takes ${Object.keys(options).map((o) => `--${o}`).join(', ') || 'no flags'}` : `; did you mean --${guess}?`
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const word = /'([^']*)'/.exec(message)?.[1]
    return new InvalidInputError('arguments', `unexpected argument${word === undefined ? '' : ` "${word}"`}: this command takes only flags (quote a value with spaces)`)
  }
  return new InvalidInputError(flag.replace(/^-+/, ''), `${message.replace(/\. To specify.*$/s, '')}${hint}`)
}

/** Like `parseFlags`, also returning the arguments that are not flags. */
export function parseFlagsAndPositionals<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true })
  } catch (error) {
    throw asInvalidInput(error, options)
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
