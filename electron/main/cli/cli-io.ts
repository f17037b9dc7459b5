/** Where a command writes; injected so commands can be run and read in tests. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
  /** stdout is a terminal (a refreshing view may redraw the screen); false when piped or captured. */
  readonly interactive?: boolean
  /** Raw text to stderr (a progress bar redrawn in place); absent where only whole lines make sense. */
  progress?(text: string): void
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  get interactive() {
    return process.stdout.isTTY === true
  },
  progress: (text) => process.stderr.write(text),
}

/** Exit codes of the CLI contract. */
export const ExitCode = { ok: 0, failure: 1, invalidInput: 2 } as const
