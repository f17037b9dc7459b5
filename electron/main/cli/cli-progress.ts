import type { LifecycleProgress } from '../../../contract/types.ts'
import type { CliIo } from './cli-io.ts'

const WIDTH = 24

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** One progress line: a bar by rows, the counts, the bytes and the rate so far. */
export function formatProgress(progress: LifecycleProgress, elapsedMs: number): string {
  const fraction = progress.rowsTotal > 0 ? Math.min(1, progress.rowsDone / progress.rowsTotal) : 0
  const filled = Math.round(fraction * WIDTH)
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`
  const rows = `${progress.rowsDone.toLocaleString('en-US')}/${progress.rowsTotal.toLocaleString('en-US')} rows`
  const bytes = progress.bytes === undefined ? '' : `  ${megabytes(progress.bytes)}`
  const rate = progress.bytes !== undefined && elapsedMs > 500 ? `  ${megabytes((progress.bytes / elapsedMs) * 1000)}/s` : ''
  const table = progress.table ? `  ${progress.table}` : ''
  return `${progress.phase.padEnd(7)} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${rows}${bytes}${rate}${table}`
}

/**
 * A progress bar on stderr for long work: redrawn in place on a terminal,
 * one line every two seconds otherwise (logs, CI). `done()` ends the line.
 */
export function cliProgress(io: CliIo, stream: NodeJS.WriteStream | undefined = process.stderr): { update: (p: LifecycleProgress) => void; done: () => void } {
  const started = performance.now()
  const tty = io.progress !== undefined && stream?.isTTY === true
  let last = 0
  let drawn = false
  return {
    update(progress) {
      const line = formatProgress(progress, performance.now() - started)
      if (tty) {
        io.progress?.(`\r${line}\x1b[K`)
        drawn = true
      } else if (performance.now() - last >= 2000) {
        last = performance.now()
        io.err(line)
      }
    },
    done() {
      if (drawn) io.progress?.('\n')
      drawn = false
    },
  }
}
