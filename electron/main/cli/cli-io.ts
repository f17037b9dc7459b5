/** Where a command writes; injected so commands can be run and read in tests. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
  /** stdout is a terminal (a refreshing view may redraw the screen); false when piped or captured. */
  readonly interactive?: boolean
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  get interactive() {
    return process.stdout.isTTY === true
  },
}

/** Exit codes of the CLI contract. */
export const ExitCode = { ok: 0, failure: 1, invalidInput: 2 } as const
