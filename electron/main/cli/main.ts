import { InvalidInputError, SchemataError } from '../errors.ts'
import { locateConfig } from '../project/find-config.ts'
import { loadProject } from '../project/load-project.ts'
import { type CliContext, createCliContext } from './cli-context.ts'
import { type CliIo, ExitCode, processIo } from './cli-io.ts'
import { dbCommand } from './commands/db-command.ts'
import { demoCommand } from './commands/demo-command.ts'
import { doctorCommand } from './commands/doctor-command.ts'
import { initCommand } from './commands/init-command.ts'
import { migrateCommand } from './commands/migrate-command.ts'
import { poolCommand } from './commands/pool-command.ts'
import { sqlCommand } from './commands/sql-command.ts'
import { tenantCommand } from './commands/tenant-command.ts'
import { topCommand } from './commands/top-command.ts'

const USAGE = `usage: schemata [--config PATH] <command>

  init [DIR] [--name NAME] [--json]         scaffold a project: schemata.config.json, migration folders, a first migration
  db start | stop [--force] | status [--json]
                                            embedded PostgreSQL (ignored with DATABASE_URL); stop refuses
                                            while the app or serve uses it
  migrate [--shared | --tenant] [--schema NAME] [--concurrency N] [--no-wait] [--json]
  migrate --repair-checksums [--schema NAME] [--json]   accept edited migration files (record their checksums)
  tenant create --name NAME --schema SCHEMA [--domain HOST]... [--type TYPE]
  tenant list [--json]
  tenant drop --schema SCHEMA --yes
  tenant set-type --schema SCHEMA --type TYPE [--json]   change a tenant's type (reverts/applies migrations)
  tenant suspend | resume --schema SCHEMA
  tenant clone --from SCHEMA --schema NEW [--data]   tenant rename --schema SCHEMA --to NEW
  tenant export --schema SCHEMA --out FILE           tenant import FILE [--schema NEW] [--as-sibling]
  tenant swap --schema SCHEMA --with OTHER           tenant archive | unarchive --schema SCHEMA
  tenant move --schema SCHEMA --to postgres://… [--drop-source]   (each: --help, --json)
  pool status | fill | drain [--json]        the warm pool of ready tenant schemas (pool: { size } in the config)
  demo                                      seed demo tenants with sample data
  doctor [--fix] [--citus] [--json]         check tenancy invariants; --fix repairs what is safe
  serve [--port 4780] [--open] [--new-token] [--new-api-secret]
                                            local server: admin console + tenant API (--port 0: any free port);
                                            the console token and API signing secret persist unless renewed
  top [--interval S] [--sort KEY] [--json]  what each tenant costs: statements, sessions, sizes (see top --help)
  sql --schema S "SQL"                      one statement as one tenant (read-only unless --write; --json, --csv)
  sql --all | --type T | --tenants A,B "SQL" the same in many tenants, merged with a tenant column (see sql --help)

project: --config PATH, else SCHEMATA_CONFIG, else the nearest schemata.config.json in this folder or
  a parent, else the built-in demo
environment: DATABASE_URL (external PostgreSQL), SCHEMATA_DATA_DIR (embedded data directory), SCHEMATA_CONFIG
exit codes: 0 success, 2 invalid input, 1 any other failure`

type Command = (context: CliContext, argv: readonly string[]) => Promise<number>

/** Extra commands registered by other layers (e.g. `serve`), so this module needs no server imports. */
const extraCommands = new Map<string, Command>()

export function registerCommand(name: string, command: Command): void {
  extraCommands.set(name, command)
}

const commands: Record<string, Command> = {
  db: dbCommand,
  migrate: migrateCommand,
  tenant: tenantCommand,
  demo: demoCommand,
  doctor: doctorCommand,
  top: topCommand,
  pool: poolCommand,
  sql: sqlCommand,
  serve: async (context, argv) => (await import('./commands/serve-command.ts')).serveCommand(context, argv),
}

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

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof SchemataError && error.code === 'INVALID_INPUT') {
    io.err(error.message)
    return ExitCode.invalidInput
  }
  const message = error instanceof Error ? error.message : String(error)
  io.err(`error: ${message}`)
  return ExitCode.failure
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
  // init makes a project, so it is the one command that does not open one.
  if (name === 'init') return initCommand(io, rest)
  const command = commands[name] ?? extraCommands.get(name)
  if (!command) {
    io.err(`command: "${name}" is not a schemata command (see schemata --help)`)
    return ExitCode.invalidInput
  }
  // The whole project (config and every migration file) is checked before the command runs:
  // a problem anywhere is invalid input and nothing has been touched.
  const located = locateConfig({ cwd: process.cwd(), env, ...(configFlag === undefined ? {} : { flag: configFlag }) })
  const project = await loadProject(located.configPath, { builtin: located.builtin })
  return await command(createCliContext(io, env, project), rest)
}
