import { demoCredentials, seedDemo } from '../../demo/demo-data.ts'
import type { CliContext } from '../cli-context.ts'
import { DEMO_FLAGS } from '../command-table.ts'
import { stagePendingMigration } from '../demo-pending.ts'
import { parseFlags } from '../parse-args.ts'

/** `schemata demo [--pending] [--json]`: the three demo tenants with sample data; harmless to run twice. --pending then stages a migration. */
export async function demoCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, DEMO_FLAGS)
  const result = await context.withTenancy(async (tenancy) => {
    await tenancy.migrate()
    const seeded = await seedDemo(tenancy)
    // Staged after the demo is migrated and seeded, so it is what the presenter's rollout applies.
    if (!flags.pending) return { ...seeded, staged: undefined }
    const staged = await stagePendingMigration(context.project)
    const tenants = (await tenancy.listTenants()).filter((t) => t.type === staged.type).length
    return { ...seeded, staged: { ...staged, tenants } }
  })
  const { io } = context
  if (flags.json) {
    io.out(JSON.stringify(result))
    return 0
  }
  for (const schema of result.created) {
    const { email, password } = demoCredentials(schema)
    io.out(`created ${schema}: domain ${schema}.localhost, user ${email} / ${password}`)
  }
  for (const schema of result.existing) io.out(`${schema} already exists; left as it is`)
  if (result.staged) {
    io.out(
      `staged ${result.staged.name} (${result.staged.file}): ${result.staged.tenants} tenant(s) have it pending; ` +
        'roll it out with "schemata migrate" or from the console\'s Migrations view',
    )
  }
  return 0
}
