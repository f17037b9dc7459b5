import type { ParseArgsConfig } from 'node:util'
import type { CliContext } from './cli-context.ts'
import type { CliIo } from './cli-io.ts'
import { MIGRATE_FLAG_SPEC, MIGRATE_HELP } from './commands/migrate-usage.ts'
import {
  DB_USAGE,
  DEMO_USAGE,
  DOCTOR_USAGE,
  INIT_USAGE,
  LIFECYCLE_USAGE,
  POOL_USAGE,
  SERVE_USAGE,
  SQL_HELP,
  TENANT_USAGE,
  TOP_HELP,
} from './usage.ts'

/*
 * Every command, its verbs, their flags and their usage, as data. This module
 * imports no command: each is loaded (with Sequelize, pg, umzug) only once its
 * arguments have passed, so `--help`, a typo or a bad flag answers at once.
 */

export type Flags = NonNullable<ParseArgsConfig['options']>

/** A command run against the open project. */
export type Command = (context: CliContext, argv: readonly string[]) => Promise<number>

/** One form of a command (`tenant create`, or `migrate` itself): its usage, flags, and whether it takes plain arguments. */
export interface Form {
  usage: string
  flags: Flags
  /** Takes arguments that are not flags (a folder, a file, an SQL statement). */
  positionals?: boolean
}

interface CommandSpec {
  /** The forms by verb (`tenant create`); absent for a command without verbs. */
  verbs?: Readonly<Record<string, Form>>
  /** Usage of the command as a whole (with verbs) or its one form. */
  usage: string
  /** Flags of a command without verbs. */
  flags?: Flags
  positionals?: boolean
  /** Loads the command's code. */
  load(): Promise<Command>
  /** Runs without a project (init makes one). */
  loadPlain?(): Promise<(io: CliIo, argv: readonly string[]) => Promise<number>>
}

const json = { json: { type: 'boolean' } } as const

export const TENANT_FLAGS = {
  create: { name: { type: 'string' }, schema: { type: 'string' }, domain: { type: 'string', multiple: true }, type: { type: 'string' }, ...json },
  list: { ...json },
  drop: { schema: { type: 'string' }, yes: { type: 'boolean' }, ...json },
  'set-type': { schema: { type: 'string' }, type: { type: 'string' }, ...json },
  suspend: { schema: { type: 'string' }, ...json },
  resume: { schema: { type: 'string' }, ...json },
  clone: { from: { type: 'string' }, schema: { type: 'string' }, name: { type: 'string' }, domain: { type: 'string', multiple: true }, data: { type: 'boolean' }, ...json },
  rename: { schema: { type: 'string' }, to: { type: 'string' }, ...json },
  export: { schema: { type: 'string' }, out: { type: 'string' }, ...json },
  import: { file: { type: 'string' }, schema: { type: 'string' }, name: { type: 'string' }, domain: { type: 'string', multiple: true }, 'as-sibling': { type: 'boolean' }, ...json },
  swap: { schema: { type: 'string' }, with: { type: 'string' }, ...json },
  archive: { schema: { type: 'string' }, out: { type: 'string' }, ...json },
  unarchive: { schema: { type: 'string' }, file: { type: 'string' }, ...json },
  move: { schema: { type: 'string' }, to: { type: 'string' }, 'drop-source': { type: 'boolean' }, ...json },
} as const satisfies Record<string, Flags>

export const DB_FLAGS = {
  start: { ...json },
  stop: { force: { type: 'boolean' }, ...json },
  status: { ...json },
} as const satisfies Record<string, Flags>

export const POOL_FLAGS = { status: { ...json }, fill: { ...json }, drain: { ...json } } as const satisfies Record<string, Flags>


export const DEMO_FLAGS = { pending: { type: 'boolean' }, ...json } as const satisfies Flags
export const DOCTOR_FLAGS = { fix: { type: 'boolean' }, citus: { type: 'boolean' }, ...json } as const satisfies Flags
export const SERVE_FLAGS = { port: { type: 'string' }, open: { type: 'boolean' }, 'new-token': { type: 'boolean' }, 'new-api-secret': { type: 'boolean' }, ...json } as const satisfies Flags
export const TOP_FLAGS = { interval: { type: 'string' }, sort: { type: 'string' }, limit: { type: 'string' }, iterations: { type: 'string' }, ...json } as const satisfies Flags
export const INIT_FLAGS = { name: { type: 'string' }, ...json } as const satisfies Flags
export const SQL_FLAGS = {
  schema: { type: 'string' },
  all: { type: 'boolean' },
  type: { type: 'string' },
  tenants: { type: 'string', multiple: true },
  where: { type: 'string', multiple: true },
  file: { type: 'string' },
  write: { type: 'boolean' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  csv: { type: 'boolean' },
  ...json,
} as const satisfies Flags

const TENANT_BASIC_USAGE: Record<'create' | 'list' | 'drop' | 'set-type' | 'suspend' | 'resume', string> = {
  create: `usage: schemata tenant create --name NAME --schema SCHEMA [--domain HOST]... [--type TYPE] [--json]
  Creates the tenant in one transaction: registry rows, schema, its type's migrations, role and grants.
  SCHEMA: lowercase letters, digits and _ (not starting with a digit). Exit 2 if the schema or a domain is taken.`,
  list: `usage: schemata tenant list [--json]
  Every tenant: schema, type, status, pending migrations, size, name and domains.
  --json: [{ name, schema, type, domains, status, pending }]`,
  drop: `usage: schemata tenant drop --schema SCHEMA --yes [--json]
  Drops the tenant's schema with all its data, its role and its registry rows. Exit 2 if there is no such tenant.`,
  'set-type': `usage: schemata tenant set-type --schema SCHEMA --type TYPE [--json]
  Changes a tenant's type: reverts the migrations only the old type has, applies the new type's, in one transaction.`,
  suspend: `usage: schemata tenant suspend --schema SCHEMA [--json]
  Stops serving the tenant (API and console calls are refused) without touching its data; "tenant resume" undoes it.`,
  resume: `usage: schemata tenant resume --schema SCHEMA [--json]
  Serves a suspended tenant again.`,
}

const tenantForms: Record<string, Form> = Object.fromEntries(
  (Object.keys(TENANT_FLAGS) as (keyof typeof TENANT_FLAGS)[]).map((verb) => [
    verb,
    {
      usage: verb in TENANT_BASIC_USAGE ? TENANT_BASIC_USAGE[verb as keyof typeof TENANT_BASIC_USAGE] : (LIFECYCLE_USAGE[verb] as string),
      flags: TENANT_FLAGS[verb],
      ...(verb === 'import' ? { positionals: true } : {}),
    },
  ]),
)

const DB_VERB_USAGE = {
  start: `usage: schemata db start [--json]
  Starts the embedded PostgreSQL and keeps it up until "db stop" (ignored with DATABASE_URL).`,
  stop: `usage: schemata db stop [--force] [--json]
  Stops the embedded PostgreSQL; refuses while the app or "serve" uses it (they would start it again), unless --force.`,
  status: `usage: schemata db status [--json]
  Mode, address, database, user and server version, without starting anything (--json: the contract's DbStatus).`,
}

const POOL_VERB_USAGE = {
  status: `usage: schemata pool status [--json]
  How many pooled schemas are ready and how many are behind the migrations.`,
  fill: `usage: schemata pool fill [--json]
  Tops the warm pool up to its configured size now.`,
  drain: `usage: schemata pool drain [--json]
  Drops every pooled schema.`,
}

function forms<V extends string>(flags: Record<V, Flags>, usage: Record<V, string>): Record<V, Form> {
  return Object.fromEntries((Object.keys(flags) as V[]).map((verb) => [verb, { usage: usage[verb], flags: flags[verb] }])) as Record<V, Form>
}

/** The command table: every `schemata` command (tests loop over it). */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  init: {
    usage: INIT_USAGE,
    flags: INIT_FLAGS,
    positionals: true,
    load: () => Promise.reject(new Error('init runs without a project')),
    loadPlain: async () => (await import('./commands/init-command.ts')).initCommand,
  },
  db: { usage: DB_USAGE, verbs: forms(DB_FLAGS, DB_VERB_USAGE), load: async () => (await import('./commands/db-command.ts')).dbCommand },
  migrate: { usage: MIGRATE_HELP, flags: MIGRATE_FLAG_SPEC, load: async () => (await import('./commands/migrate-command.ts')).migrateCommand },
  tenant: { usage: TENANT_USAGE, verbs: tenantForms, load: async () => (await import('./commands/tenant-command.ts')).tenantCommand },
  pool: { usage: POOL_USAGE, verbs: forms(POOL_FLAGS, POOL_VERB_USAGE), load: async () => (await import('./commands/pool-command.ts')).poolCommand },
  demo: { usage: DEMO_USAGE, flags: DEMO_FLAGS, load: async () => (await import('./commands/demo-command.ts')).demoCommand },
  doctor: { usage: DOCTOR_USAGE, flags: DOCTOR_FLAGS, load: async () => (await import('./commands/doctor-command.ts')).doctorCommand },
  serve: { usage: SERVE_USAGE, flags: SERVE_FLAGS, load: async () => (await import('./commands/serve-command.ts')).serveCommand },
  top: { usage: TOP_HELP, flags: TOP_FLAGS, load: async () => (await import('./commands/top-command.ts')).topCommand },
  sql: { usage: SQL_HELP, flags: SQL_FLAGS, positionals: true, load: async () => (await import('./commands/sql-command.ts')).sqlCommand },
}
