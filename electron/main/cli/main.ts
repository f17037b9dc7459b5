import { InvalidInputError, SchemataError } from '../errors.ts'
import { type CliIo, ExitCode, processIo } from './cli-io.ts'
import { COMMANDS, type Form } from './command-table.ts'
import { checkArguments, wantsHelp } from './parse-args.ts'
import { USAGE } from './usage.ts'
import { closestMatch } from '../../../contract/closest-match.ts'


/** Takes the global `--config PATH` (or `--config=PATH`) out of the arguments, wherever it stands. */
function takeConfigFlag(argv: readonly string[]): { config?: string; rest: string[] } {
  const rest: string[] = []
  let config: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--config' || arg.startsWith('--config=')) {
      if (config !== undefined) throw new InvalidInputError('config', '--config is given twice')
      const value = arg === '--config' ? argv[++i] : arg.slice('--config='.length)
      if (value === undefined || value === '') throw new InvalidInputError('config', '--config needs a path (a schemata.config.json or its folder)')
      config = value
    } else rest.push(arg)
  }
  return config === undefined ? { rest } : { config, rest }
}

/** Runs the CLI and returns its exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { config, rest } = takeConfigFlag(argv)
    return await runCommand(rest, config, io, env)
  } catch (error) {
    return reportFailure(error, io)
  }
}

/**
 * Exit 2 is for input this command refuses before it changes anything: a bad
 * flag or name, and also naming a tenant that does not exist (like creating
 * one that does), so a script can tell "no such tenant" from a failure.
 */
const INPUT_CODES: ReadonlySet<string> = new Set(['INVALID_INPUT', 'TENANT_NOT_FOUND'])

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof SchemataError && INPUT_CODES.has(error.code)) {
    io.err(error.code === 'INVALID_INPUT' || error.field === undefined ? error.message : `${error.field}: ${error.message}`)
    return ExitCode.invalidInput
  }
  const message = error instanceof Error ? error.message : String(error)
  io.err(`error: ${message}`)
  return ExitCode.failure
}

/** The command and form the arguments name, or invalid input with the closest real one. */
function formOf(name: string, rest: readonly string[]): { form: Form; args: readonly string[] } {
  const spec = COMMANDS[name]
  if (spec === undefined) {
    const guess = closestMatch(name, Object.keys(COMMANDS))
    throw new InvalidInputError('command', `"${name}" is not a schemata command${guess ? ` (did you mean "${guess}"?)` : ''}; see schemata --help`)
  }
  if (spec.verbs === undefined) return { form: { usage: spec.usage, flags: spec.flags ?? {}, ...(spec.positionals ? { positionals: true } : {}) }, args: rest }
  const [verb, ...args] = rest
  const verbs = Object.keys(spec.verbs)
  const form = verb === undefined ? undefined : spec.verbs[verb]
  if (form === undefined) {
    const guess = verb === undefined || verb.startsWith('-') ? undefined : closestMatch(verb, verbs)
    const what = verb === undefined || verb.startsWith('-') ? `"${name}" needs a verb` : `"${name} ${verb}" is not a command`
    throw new InvalidInputError('command', `${what}${guess ? ` (did you mean "${name} ${guess}"?)` : ''}; use ${name} ${verbs.join(' | ')}`)
  }
  return { form, args }
}

async function runCommand(argv: readonly string[], configFlag: string | undefined, io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE)
    return ExitCode.ok
  }
  if (name === undefined) {
    // No command is a usage error: the usage goes to stderr with exit 2.
    io.err(USAGE)
    return ExitCode.invalidInput
  }
  const spec = COMMANDS[name]
  // `schemata tenant --help` (no verb) is the command's usage.
  if (spec?.verbs !== undefined && (rest.length === 0 || wantsHelp(rest.slice(0, 1))) && wantsHelp(rest)) {
    io.out(spec.usage)
    return ExitCode.ok
  }
  const { form, args } = formOf(name, rest)
  if (wantsHelp(args)) {
    io.out(form.usage)
    return ExitCode.ok
  }
  // Every flag is checked before the project, the database or the command's code is loaded.
  checkArguments(args, form)
  if (spec?.loadPlain) return (await spec.loadPlain())(io, rest)
  const [{ openProject }, command] = await Promise.all([import('./open-project.ts'), (spec as NonNullable<typeof spec>).load()])
  return await command(await openProject(io, env, configFlag), rest)
}
