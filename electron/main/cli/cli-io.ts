/** Where a command writes; injected so commands can be run and read in tests. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
  /** stdout is a terminal (a refreshing view may redraw the screen); false when piped or captured. */
  readonly interactive?: boolean
  /** Raw text to stderr (a progress bar redrawn in place); absent where only whole lines make sense. */
  progress?(text: string): void
  /** stderr is a terminal (a progress bar may redraw itself there). */
  readonly progressInteractive?: boolean
  /** Raw text to stdout, resolved once the stream has taken it (streamed output waits for a slow reader). */
  write?(text: string): Promise<void>
  /** All of stdin as text, or undefined when stdin is a terminal (nothing piped in). */
  readStdin?(): Promise<string | undefined>
}

/** Writes to a stream and waits for it to drain when its buffer is full; fails if the reader went away (EPIPE). */
function writeDrained(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error)
    stream.once('error', onError)
    const done = (): void => {
      stream.off('error', onError)
      resolve()
    }
    if (stream.write(text)) done()
    else stream.once('drain', done)
  })
}

async function readAll(stream: NodeJS.ReadStream): Promise<string | undefined> {
  if (stream.isTTY) return undefined
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString('utf8')
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  get interactive() {
    return process.stdout.isTTY === true
  },
  progress: (text) => process.stderr.write(text),
  get progressInteractive() {
    return process.stderr.isTTY === true
  },
  write: (text) => writeDrained(process.stdout, text),
  readStdin: () => readAll(process.stdin),
}

/** Exit codes of the CLI contract. */
export const ExitCode = { ok: 0, failure: 1, invalidInput: 2 } as const
