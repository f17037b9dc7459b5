/*
 * The CLI's usage texts, apart from the commands' code so that \`--help\`
 * loads nothing else (see command-table.ts).
 */

/** `schemata --help`. */
export const USAGE = `usage: schemata [--config PATH] <command> [--help]

  init [DIR] [--name NAME] [--json]         scaffold a project: schemata.config.json, migration folders, a first migration
  db start | stop [--force] | status [--json]
                                            embedded PostgreSQL (ignored with DATABASE_URL); stop refuses
                                            while the app or serve uses it
  migrate [--shared | --tenant] [--schema NAME] [--concurrency N] [--no-wait] [--json]
  migrate --repair-checksums [--schema NAME] [--json]   accept edited migration files (record their checksums)
  tenant create --name NAME --schema SCHEMA [--domain HOST]... [--type TYPE] [--json]
  tenant list [--json]
  tenant drop --schema SCHEMA --yes [--json]
  tenant set-type --schema SCHEMA --type TYPE [--json]   change a tenant's type (reverts/applies migrations)
  tenant suspend | resume --schema SCHEMA [--json]
  tenant clone --from SCHEMA --schema NEW [--data]   tenant rename --schema SCHEMA --to NEW
  tenant export --schema SCHEMA --out FILE           tenant import FILE [--schema NEW] [--as-sibling]
  tenant swap --schema SCHEMA --with OTHER           tenant archive | unarchive --schema SCHEMA
  tenant move --schema SCHEMA --to postgres://… [--drop-source]   (each: --help, --json)
  pool status | fill | drain [--json]        the warm pool of ready tenant schemas (pool: { size } in the config)
  demo [--pending] [--json]                 seed demo tenants with sample data; --pending stages a harmless
                                            tenant migration for a live rollout (see demo --help)
  doctor [--fix] [--citus] [--json]         check tenancy invariants; --fix repairs what is safe
  serve [--port 4780] [--open] [--new-token] [--new-api-secret] [--json]
                                            local server: admin console + tenant API (--port 0: any free port);
                                            the console token and API signing secret persist unless renewed
  top [--interval S] [--sort KEY] [--json]  what each tenant costs: statements, sessions, sizes (see top --help)
  sql --schema S "SQL"                      one statement as one tenant (read-only unless --write; --json, --csv)
  sql --all | --type T | --tenants A,B "SQL" the same in many tenants, merged with a tenant column (see sql --help)

project: --config PATH, else SCHEMATA_CONFIG, else the nearest schemata.config.json in this folder or
  a parent, else the built-in demo
environment: DATABASE_URL (external PostgreSQL), SCHEMATA_DATA_DIR (embedded data directory), SCHEMATA_CONFIG
every command and verb: --help (schemata tenant create --help) and --json
exit codes: 0 success; 2 invalid input, nothing changed (a bad or unknown flag, command or name, a tenant that
  does not exist or already exists: one stderr line naming the field); 1 any other failure (database
  unreachable, a migration failed, doctor found problems)`

export const INIT_USAGE = `usage: schemata init [DIR] [--name NAME] [--json]

Scaffolds a Schemata project in DIR (default: the current folder; created if missing):
  schemata.config.json                       the project: migration folders, one tenant type, routing
  migrations/shared/                         migrations of shared tables in public (none yet)
  migrations/tenant/0001_create_notes.sql    a first tenant migration (-- migrate:up / -- migrate:down)
Nothing is overwritten: an existing file stops it before anything is written.`

/** Usage of each lifecycle verb, printed by `schemata tenant <verb> --help`. */
export const LIFECYCLE_USAGE: Record<string, string> = {
  clone: `usage: schemata tenant clone --from SCHEMA --schema NEW [--name NAME] [--domain HOST]... [--data] [--json]
  A new tenant at the source's migration level (its own role and grants); --data copies every row too,
  sequences continuing after the copied values. One transaction: all of it or nothing.`,
  rename: `usage: schemata tenant rename --schema SCHEMA --to NEW [--json]
  Renames the schema, its role, registry row and ledgers; the default <schema>.<base> domain follows,
  custom domains stay. Scopes running in the tenant finish first; tokens keep working.`,
  export: `usage: schemata tenant export --schema SCHEMA --out FILE [--json]
  Writes the tenant to one file (manifest + each table's rows, each part checksummed; docs/tenant-export-format.md).
  --out - writes it to stdout.`,
  import: `usage: schemata tenant import FILE [--schema NEW] [--name NAME] [--domain HOST]... [--as-sibling] [--json]
  Creates the tenant at the file's migration level and loads its data, checking every count and checksum:
  all or nothing. --as-sibling restores next to the live tenant (schema <schema>__restored) for "tenant swap".`,
  swap: `usage: schemata tenant swap --schema SCHEMA --with OTHER [--json]
  Exchanges two tenants' schemas in one transaction (e.g. a sibling restored with "import --as-sibling");
  names, domains and ids stay, the data changes places. Both must be of one type.`,
  archive: `usage: schemata tenant archive --schema SCHEMA [--out FILE] [--json]
  Exports the tenant, verifies the file, then drops its schema and role; the registry keeps an archived
  entry (file, checksum, time) and its name and domains. Default file: <data dir>/archives/<schema>-<time>.tenant`,
  unarchive: `usage: schemata tenant unarchive --schema SCHEMA [--file FILE] [--json]
  Brings an archived tenant back from its archive (or a copy of it, --file), checking it is the file recorded.`,
  move: `usage: schemata tenant move --schema SCHEMA --to postgres://… [--drop-source] [--json]
  Streams the tenant into another Schemata database, verifies it there, then marks it moved here
  (and drops it here with --drop-source). A rerun finishes an interrupted move.`,
}

export const SQL_HELP = `usage: schemata sql --schema SCHEMA [SQL | --file FILE] [options]     one tenant
       schemata sql (--all | --type TYPE | --tenants A,B,…) [--where FIELD=VALUE]… [SQL | --file FILE] [options]

Runs one SQL statement as a tenant: in a session logged in as the tenant's own
role, on its schema, so it can reach nothing the tenant cannot (RESET ROLE,
SET ROLE and set_config lead nowhere). Read-only unless --write. The SQL comes
from the argument, from --file, or from stdin.

With --all, --type or --tenants the statement runs in each tenant, each in its
own session and transaction, --concurrency at once; rows are merged under a
leading "tenant" column and printed as they arrive. A tenant that fails is
reported on stderr with its SQLSTATE and the others go on; the last stderr line
sums up.

  --schema SCHEMA      the tenant to run in
  --all                every tenant (active and suspended; suspended ones fail as such)
  --type TYPE          the tenants of one tenant type
  --tenants A,B,…      these tenants (repeatable); an unknown one is refused before anything runs
  --where FIELD=VALUE  narrow --all/--type: status=active, type=enterprise (repeatable)
  --file FILE          read the statement from FILE ("-": stdin)
  --write              allow writes (default: BEGIN READ ONLY); with many tenants, one transaction each
  --timeout DURATION   statement_timeout per tenant: 500ms, 30s, 2m (default 30s, at most 1h)
  --concurrency N      tenants at once (default: the connection pool's size)
  --json               rows as a JSON array of objects (numbers, booleans and JSON as such)
  --csv                rows as CSV (NULL is an empty field, '' a quoted one)
  --help               this text

Exactly one statement: several are refused (exit 2) with the line where the
second begins. Exit codes: 0 ok, 2 invalid input (nothing ran), 1 the statement
failed (SQLSTATE and PostgreSQL's message on one stderr line) or, with many
tenants, any tenant failed.`

export const TOP_HELP = `usage: schemata top [--interval SECONDS] [--sort KEY] [--limit N] [--iterations N]
       schemata top --json

What each tenant costs the server, refreshed every interval: statement calls,
time, rows and buffer use from pg_stat_statements (attributed by the tenant's
role), live sessions from pg_stat_activity, on-disk size and its growth.

  --interval SECONDS   time between refreshes (default 2; 0.2 to 3600)
  --sort KEY           time (default), calls, rows, read, temp, sessions, size or growth
  --limit N            tenants shown (default 20)
  --iterations N       stop after N refreshes (default: until Ctrl-C)
  --json               print one sample (cumulative counters, sizes, sessions) as JSON and exit
  --help               this text

Without pg_stat_statements (not installed, or not preloaded by the server) the
statement columns are empty and the first line says what to do about it.`

export const DB_USAGE = `usage: schemata db start | stop [--force] | status [--json]
  The embedded PostgreSQL (ignored with DATABASE_URL): start keeps it up until stop; stop refuses while
  the app or serve uses it, unless --force; status reads without starting anything.`


export const TENANT_USAGE = `usage: schemata tenant <verb> [flags] [--json]      (schemata tenant <verb> --help for each)
  create --name NAME --schema SCHEMA [--domain HOST]... [--type TYPE]
  list
  drop --schema SCHEMA --yes
  set-type --schema SCHEMA --type TYPE
  suspend | resume --schema SCHEMA
  clone --from SCHEMA --schema NEW [--data]       rename --schema SCHEMA --to NEW
  export --schema SCHEMA --out FILE               import FILE [--schema NEW] [--as-sibling]
  swap --schema SCHEMA --with OTHER               archive | unarchive --schema SCHEMA
  move --schema SCHEMA --to postgres://… [--drop-source]`

export const POOL_USAGE = `usage: schemata pool status | fill | drain [--json]
  The warm pool: ready tenant schemas at the latest migrations that "tenant create" claims by a rename
  (instant sign-up). Its size is "pool": { "size": N } in schemata.config.json; long-running processes
  (the app, serve) refill it in the background, "migrate" migrates pooled schemas like any tenant.
  status  how many are ready / behind      fill  top it up now      drain  drop every pooled schema`

export const DEMO_USAGE = `usage: schemata demo [--pending] [--json]
  Creates the demo tenants acme, globex and initech with sample customers, orders and a user each
  (admin@<schema>.example / <schema>-demo); harmless to run twice.
  --pending  also stages a harmless tenant migration (it adds a nullable "note" column to customers) that
             no tenant has yet, so "schemata migrate" or the console's Migrations view can show a rollout
             live. Staged in the demo's data directory, never in the repository; a second --pending stages
             the next one. "schemata demo --pending" only works with the built-in demo project.`

export const DOCTOR_USAGE = `usage: schemata doctor [--fix] [--citus] [--json]
  Checks every tenancy invariant; --fix repairs what is safe. --citus also checks what Citus schema-based
  sharding (citus_schema_distribute per tenant schema) needs: a primary key on every tenant table, foreign
  keys only within a tenant schema or to shared public tables (which become reference tables), nothing
  Citus cannot distribute. See docs/scale-out.md. Exit 0 healthy, 1 findings remain.`

export const SERVE_USAGE = `usage: schemata serve [--port 4780] [--open] [--new-token] [--new-api-secret] [--json]
  The admin console and the tenant API on 127.0.0.1 until Ctrl+C. The first stdout line is the console URL
  with its token (--json: one JSON line { console, port, tenantApi }). The token and the API signing secret
  persist across restarts of the same data directory (--new-token, --new-api-secret renew them).
  --port 0 picks a free port; a port in use is reported (exit 1) before the database is started.
  --open opens the console in the default browser ($BROWSER if set; BROWSER=none: never).
  A fresh embedded database gets the demo tenants, as the app's first run does (SCHEMATA_DEMO=off skips).`
