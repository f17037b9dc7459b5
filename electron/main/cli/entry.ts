import { runCli } from './main.ts'

/** The `schemata` binary: runs one command and ends the process with its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const code = await runCli(argv)
  return code
}
