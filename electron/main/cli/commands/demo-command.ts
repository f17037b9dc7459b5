import { demoCredentials, seedDemo } from '../../demo/demo-data.ts'
import type { CliContext } from '../cli-context.ts'
import { parseFlags } from '../parse-args.ts'

/** `schemata demo`: the three demo tenants with sample data; harmless to run twice. */
export async function demoCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  parseFlags(argv, {})
  const result = await context.withTenancy(async (tenancy) => {
    await tenancy.migrate()
    return seedDemo(tenancy)
  })
  const { io } = context
  for (const schema of result.created) {
    const { email, password } = demoCredentials(schema)
    io.out(`created ${schema}: domain ${schema}.localhost, user ${email} / ${password}`)
  }
  for (const schema of result.existing) io.out(`${schema} already exists; left as it is`)
  return 0
}
