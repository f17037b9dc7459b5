import { InvalidInputError } from '../../errors.ts'
import type { MigrationEvent } from '../../migrations/events.ts'
import type { CliContext } from '../cli-context.ts'
import { ExitCode } from '../cli-io.ts'
import { intFlag, parseFlags } from '../parse-args.ts'
import { MIGRATE_FLAG_SPEC, MIGRATE_HELP, STAGED_FLAGS } from './migrate-usage.ts'

function describe(event: MigrationEvent): string | undefined {
  switch (event.type) {
    case 'waiting':
      return `another migrator is running (${event.holder}); waiting for it to finish…`
    case 'run-start':
      return `${event.shared ? 'shared migrations, then ' : ''}${event.tenants} tenant schema(s)`
    case 'schema-start':
      return `[${event.index + 1}/${event.total} ${event.schema}] ${event.pending} pending`
    case 'migration-applied':
      return `[${event.schema}] applied ${event.migration}`
    case 'schema-failed':
      return `[${event.index + 1}/${event.total} ${event.schema}] FAILED${event.migration ? ` in ${event.migration}` : ''}: ${event.message}`
    default:
      return undefined
  }
}

/** `schemata migrate [--shared | --tenant] [--schema NAME] [--concurrency N] [--no-wait] [--json]`, or `--repair-checksums`. */
export async function migrateCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, MIGRATE_FLAG_SPEC)
  const concurrency = intFlag(flags, 'concurrency', 1, 64)
  const { io } = context
  if (flags.help) {
    io.out(MIGRATE_HELP)
    return ExitCode.ok
  }
  const staged = STAGED_FLAGS.filter((flag) => flags[flag] !== undefined)
  const rolloutMode = ['plan', 'resume', 'runs', 'run', 'halt'].filter((flag) => flags[flag as keyof typeof flags] !== undefined)
  if (staged.length > 0 || rolloutMode.length > 0) {
    const { rolloutCommand } = await import('./migrate-rollout.ts')
    return rolloutCommand(context, flags, staged)
  }
  if (flags['repair-checksums']) {
    if (flags.shared || flags.tenant) throw new InvalidInputError('repair-checksums', 'repairs every ledger (or one tenant with --schema); it takes no --shared or --tenant')
    const result = await context.withTenancy((tenancy) =>
      tenancy.repairChecksums({
        ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        wait: !flags['no-wait'],
      }),
    )
    if (flags.json) io.out(JSON.stringify(result))
    else if (result.repaired.length === 0) io.out('nothing to repair: every applied migration matches its file')
    else for (const { schema, names } of result.repaired) io.out(`${schema}: recorded the current checksum of ${names.join(', ')}`)
    return 0
  }
  const report = await context.withTenancy((tenancy) =>
    tenancy.migrate({
      ...(flags.shared ? { shared: true } : {}),
      ...(flags.tenant ? { tenant: true } : {}),
      ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      wait: !flags['no-wait'],
      onEvent: (event) => {
        const line = flags.json ? undefined : describe(event)
        if (line) io.err(line)
      },
    }),
  )
  const failedShared = report.shared?.status === 'failed'
  if (flags.json) {
    io.out(JSON.stringify(report))
  } else {
    if (report.shared) {
      io.out(
        failedShared
          ? `public: FAILED${report.shared.failedMigration ? ` in ${report.shared.failedMigration}` : ''}: ${report.shared.message}`
          : `public: ${report.shared.applied.length} applied`,
      )
    }
    const c = report.counts
    io.out(
      `tenants: ${c.total} schema(s), ${c.migrated} migrated, ${c.upToDate} up to date, ${c.failed} failed; ` +
        `${c.applied} migration(s) applied in ${Math.round(report.durationMs)} ms`,
    )
    for (const failed of report.tenants.filter((t) => t.status === 'failed')) {
      io.out(`  ${failed.schema}: ${failed.failedMigration ?? '(setup)'}: ${failed.message}`)
    }
  }
  return failedShared || report.counts.failed > 0 ? 1 : 0
}
