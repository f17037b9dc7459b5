import { readFile, readdir } from 'node:fs/promises'

/** Memory of the PostgreSQL server at one instant, summed over the postmaster and its children. */
export interface PostgresMemory {
  processes: number
  /** Sum of VmRSS. Counts each shared-buffer page once per process that touched it, so it overstates. */
  rssBytes: number
  /** Sum of Pss (shared pages split between their users): what the server really occupies. */
  pssBytes: number
}

export interface MemoryPeaks {
  /** Peak RSS of this process over its whole life (getrusage ru_maxrss). */
  processPeakRssBytes: number
  postgresPeakRssBytes: number
  postgresPeakPssBytes: number
  postgresPeakProcesses: number
  /** The server at the end of the run, with N tenants in place. */
  postgresEndRssBytes: number
  postgresEndPssBytes: number
}

async function readKb(file: string, field: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return match ? Number(match[1]) * 1024 : 0
}

async function parentOf(pid: string): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // The command name may hold spaces or parentheses; fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ppid = Number(fields[1])
  return Number.isInteger(ppid) ? ppid : undefined
}

/** Reads /proc (Linux) for the postmaster and every process it forked: backends, checkpointer, walwriter… */
export async function postgresMemory(postmasterPid: number): Promise<PostgresMemory> {
  const entries = await readdir('/proc').catch(() => [] as string[])
  const pids: string[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    if (Number(entry) === postmasterPid || (await parentOf(entry)) === postmasterPid) pids.push(entry)
  }
  let rssBytes = 0
  let pssBytes = 0
  for (const pid of pids) {
    rssBytes += await readKb(`/proc/${pid}/status`, 'VmRSS')
    pssBytes += await readKb(`/proc/${pid}/smaps_rollup`, 'Pss')
  }
  return { processes: pids.length, rssBytes, pssBytes }
}

/** Samples the server's memory on an interval (and on demand between phases), keeping the peaks. */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined
  private pending: Promise<void> = Promise.resolve()
  private peak: PostgresMemory = { processes: 0, rssBytes: 0, pssBytes: 0 }

  constructor(private readonly postmasterPid: number) {}

  start(intervalMs = 250): void {
    this.timer = setInterval(() => void this.sample(), intervalMs)
    this.timer.unref()
  }

  /** Takes one sample now; samples never overlap. */
  sample(): Promise<void> {
    this.pending = this.pending.then(async () => {
      const now = await postgresMemory(this.postmasterPid)
      this.peak = {
        processes: Math.max(this.peak.processes, now.processes),
        rssBytes: Math.max(this.peak.rssBytes, now.rssBytes),
        pssBytes: Math.max(this.peak.pssBytes, now.pssBytes),
      }
    })
    return this.pending
  }

  /** Stops sampling without a report (cleanup after a failure). */
  cancel(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** Stops sampling and reports the peaks and the state right now. */
  async stop(): Promise<MemoryPeaks> {
    this.cancel()
    await this.sample()
    const end = await postgresMemory(this.postmasterPid)
    return {
      processPeakRssBytes: process.resourceUsage().maxRSS * 1024,
      postgresPeakRssBytes: this.peak.rssBytes,
      postgresPeakPssBytes: this.peak.pssBytes,
      postgresPeakProcesses: this.peak.processes,
      postgresEndRssBytes: end.rssBytes,
      postgresEndPssBytes: end.pssBytes,
    }
  }
}
