import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { USAGE } from '../../electron/main/cli/usage.ts'
import { startBenchServer } from '../server.ts'
import { round3, summarize } from '../stats.ts'
import { seededRandom, shuffled } from '../../electron/main/rollout/seeded-random.ts'

/*
 * Start-up of the `schemata` CLI (issue 11), as a user pays it: a new
 * `node bin/schemata.js …` process per command, timed from spawn to the close
 * of its output, against `node -e 0` started the same way (same binary,
 * working directory and environment) as the baseline. Every round runs each
 * command once in a freshly shuffled (seeded) order, so drift in this shared
 * machine's load falls on the baseline and the commands alike; the warm-up
 * rounds fill the page cache and are not counted. A command whose exit code
 * or output is wrong fails the run: a CLI that fails fast must not look fast.
 */

export interface StartupTiming {
  p50Ms: number
  p95Ms: number
  /** The spread of the runs. */
  minMs: number
  maxMs: number
  /**
   * p50 of the CPU time (user + system) the process used, Linux only (10 ms ticks): wall time on this
   * shared machine is mostly waiting for a core, CPU time much less so.
   */
  cpuP50Ms?: number
}

export interface CommandTiming extends StartupTiming {
  /** p50 ÷ the baseline's p50. */
  ratioP50: number
  /** Median over the rounds of this command's time ÷ the baseline's in the same round: immune to slow drift. */
  pairedRatioP50: number
  /** p50 − the baseline's p50: what the CLI itself costs on top of starting Node. */
  overheadP50Ms: number
  /** cpuP50Ms ÷ the baseline's, Linux only. */
  cpuRatioP50?: number
}

export interface CliStartupResult {
  /** Timed rounds (each command once per round), after `warmupRuns` untimed ones. */
  runs: number
  warmupRuns: number
  /** Demo tenants in the database `tenant list` and `doctor` run against. */
  tenants: number
  /** `node -e 0`. */
  baseline: StartupTiming
  /** `schemata --help`: no project, no database (target ≤ 150 ms p50). */
  help: CommandTiming
  /** `schemata tenant list --json` against a running database (target ≤ 400 ms p50). */
  tenantList: CommandTiming
  /** `schemata doctor --json` on the demo (target ≤ 2 s p50). */
  doctor: CommandTiming
  /** 1-minute load average before and after this scenario. */
  loadAverageStart: number
  loadAverageEnd: number
}

export interface CliStartupOptions {
  /** Its own embedded server (deleted at the end), so no other scenario's data is in the CLI's way. */
  dataDir: string
  runs: number
  warmupRuns: number
  progress: (message: string) => void
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const BIN = path.join(repoRoot, 'bin', 'schemata.js')
const DATABASE = 'bench_cli'
const DEMO_SCHEMAS = ['acme', 'globex', 'initech']
/** A CLI that hangs must fail the run, not stall it. */
const COMMAND_TIMEOUT_MS = 120_000

/** Why bin/schemata.js would not run out/cli (it would fall back to the TypeScript sources), or undefined when it would. */
function staleReason(): string | undefined {
  let manifest: { builtAt: number; inputs: string[] }
  try {
    manifest = JSON.parse(readFileSync(path.join(repoRoot, 'out', 'cli', 'inputs.json'), 'utf8')) as typeof manifest
  } catch {
    return 'out/cli is not built'
  }
  // The same test as bin/schemata.js: every source the build read must be older than the build.
  for (const file of manifest.inputs) {
    try {
      if (statSync(path.join(repoRoot, file)).mtimeMs >= manifest.builtAt) return `${file} changed after out/cli was built`
    } catch {
      return `${file}, an input of out/cli, is gone`
    }
  }
  return undefined
}

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
  /** CPU time of the process (user + system), when the platform tells. */
  cpuMs: number | undefined
}

const ticksPerSecond = ((): number | undefined => {
  if (process.platform !== 'linux') return undefined
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/**
 * CPU time of this process's waited-for children (cutime + cstime of /proc/self/stat), in ms. Node reaps a
 * child before its 'close', so the difference across one run is that child's own CPU time.
 */
function childrenCpuMs(): number | undefined {
  if (ticksPerSecond === undefined) return undefined
  // Fields after the command name, which is in parentheses and may hold spaces: the 14th and 15th are cutime and cstime.
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond
}

function timedRun(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = []
    const err: Buffer[] = []
    const cpuBefore = childrenCpuMs()
    const started = performance.now()
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS)
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // 'close': the process has exited and its output is all read, as a shell waiting on it sees.
    child.once('close', (code, signal) => {
      const ms = performance.now() - started
      clearTimeout(timer)
      const cpuAfter = childrenCpuMs()
      const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms, cpuMs })
    })
  })
}

async function ensureCompiledCli(env: NodeJS.ProcessEnv, progress: (message: string) => void): Promise<void> {
  const reason = staleReason()
  if (reason === undefined) return
  progress(`CLI start-up: ${reason}; building it (npm run build:cli)`)
  const build = await timedRun(['--import', 'tsx', path.join(repoRoot, 'scripts', 'build-cli.ts')], env)
  const still = staleReason()
  if (build.code !== 0 || still !== undefined) {
    throw new Error(
      `CLI start-up: out/cli could not be built (${still ?? `exit ${build.code ?? build.signal}`}): ${build.stderr.trim()}\n` +
        'without it bin/schemata.js runs the TypeScript sources and the figures would not be the compiled CLI\'s',
    )
  }
}

/** Fails with the command, its exit and its stderr when it did not do its job. */
function expectOk(label: string, outcome: Outcome, check: (stdout: string) => string | undefined): void {
  const problem =
    outcome.code !== 0 ? `exit ${outcome.code ?? `by ${outcome.signal ?? '?'}`}` : check(outcome.stdout)
  if (problem !== undefined) {
    const detail = [outcome.stderr.trim(), outcome.stdout.trim().slice(0, 500)].filter(Boolean).join('\n')
    throw new Error(`CLI start-up: "${label}" failed (${problem}); the bench measures only commands that work${detail ? `\n${detail}` : ''}`)
  }
}

function parsed(stdout: string): unknown {
  try {
    return JSON.parse(stdout) as unknown
  } catch {
    return undefined
  }
}

interface Measured {
  key: 'baseline' | 'help' | 'tenantList' | 'doctor'
  label: string
  args: string[]
  check: (stdout: string) => string | undefined
}

const MEASURED: readonly Measured[] = [
  { key: 'baseline', label: 'node -e 0', args: ['-e', '0'], check: (stdout) => (stdout === '' ? undefined : 'printed something') },
  {
    key: 'help',
    label: 'schemata --help',
    args: [BIN, '--help'],
    check: (stdout) => (stdout === `${USAGE}\n` ? undefined : 'stdout is not the usage'),
  },
  {
    key: 'tenantList',
    label: 'schemata tenant list --json',
    args: [BIN, 'tenant', 'list', '--json'],
    check: (stdout) => {
      const list = parsed(stdout)
      const schemas = Array.isArray(list) ? list.map((t) => (t as { schema?: unknown }).schema) : []
      return DEMO_SCHEMAS.every((s) => schemas.includes(s)) ? undefined : `stdout does not list ${DEMO_SCHEMAS.join(', ')}`
    },
  },
  {
    key: 'doctor',
    label: 'schemata doctor --json',
    args: [BIN, 'doctor', '--json'],
    check: (stdout) => {
      const report = parsed(stdout) as { healthy?: unknown; findings?: unknown } | undefined
      if (report === undefined || !Array.isArray(report.findings)) return 'stdout is not the doctor\'s JSON'
      return report.healthy === true ? undefined : `the demo is not healthy: ${JSON.stringify(report.findings).slice(0, 300)}`
    },
  },
]

function timing(samples: readonly number[], cpu: readonly number[]): StartupTiming {
  const s = summarize(samples)
  const t: StartupTiming = { p50Ms: round3(s.p50), p95Ms: round3(s.p95), minMs: round3(s.min), maxMs: round3(s.max) }
  if (cpu.length === samples.length && cpu.length > 0) t.cpuP50Ms = round3(summarize(cpu).p50)
  return t
}

/** `schemata --help`, `tenant list --json` and `doctor --json` as processes, against `node -e 0`. */
export async function benchCliStartup(options: CliStartupOptions): Promise<CliStartupResult> {
  const { progress } = options
  const loadAverageStart = os.loadavg()[0] ?? 0
  // What the user's shell passes, minus what would point the CLI elsewhere or change how Node starts.
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['NODE_OPTIONS', 'SCHEMATA_CONFIG', 'SCHEMATA_DATA_DIR', 'SCHEMATA_CLI_FROM_SOURCE', 'DATABASE_URL', 'DIRECT_DATABASE_URL']) {
    delete env[name]
  }
  await ensureCompiledCli(env, progress)

  progress('CLI start-up: a fresh embedded PostgreSQL with the demo tenants (schemata demo)')
  const server = await startBenchServer(options.dataDir)
  try {
    // DATABASE_URL as a user points the CLI at a running server; the working directory is the repo, so the
    // project is the built-in demo, found as `npx schemata` in a checkout finds it.
    env.DATABASE_URL = await server.createDatabase(DATABASE)
    expectOk('schemata demo --json', await timedRun([BIN, 'demo', '--json'], env), (stdout) => {
      const seeded = parsed(stdout) as { created?: unknown } | undefined
      return Array.isArray(seeded?.created) && seeded.created.length === DEMO_SCHEMAS.length ? undefined : 'did not create the demo tenants'
    })

    progress(`CLI start-up: ${options.runs} rounds (after ${options.warmupRuns} warm-up) of ${MEASURED.map((m) => m.label).join(', ')}, shuffled`)
    const samples = new Map<Measured['key'], number[]>(MEASURED.map((m) => [m.key, []]))
    const cpuSamples = new Map<Measured['key'], number[]>(MEASURED.map((m) => [m.key, []]))
    const random = seededRandom(11)
    for (let round = -options.warmupRuns; round < options.runs; round++) {
      for (const measured of shuffled(MEASURED, random)) {
        const outcome = await timedRun(measured.args, env)
        expectOk(measured.label, outcome, measured.check)
        if (round < 0) continue
        samples.get(measured.key)?.push(outcome.ms)
        if (outcome.cpuMs !== undefined) cpuSamples.get(measured.key)?.push(outcome.cpuMs)
      }
    }
    // Checked again after: an edit during the run would have sent some runs through the sources.
    const stale = staleReason()
    if (stale !== undefined) throw new Error(`CLI start-up: ${stale} during the run; its figures may be of the TypeScript fallback`)

    const base = samples.get('baseline') ?? []
    const baseline = timing(base, cpuSamples.get('baseline') ?? [])
    const command = (key: Measured['key']): CommandTiming => {
      const own = samples.get(key) ?? []
      const t = timing(own, cpuSamples.get(key) ?? [])
      return {
        ...t,
        ratioP50: round3(t.p50Ms / baseline.p50Ms),
        pairedRatioP50: round3(summarize(own.map((ms, i) => ms / (base[i] ?? Number.NaN))).p50),
        overheadP50Ms: round3(t.p50Ms - baseline.p50Ms),
        ...(t.cpuP50Ms !== undefined && baseline.cpuP50Ms !== undefined ? { cpuRatioP50: round3(t.cpuP50Ms / baseline.cpuP50Ms) } : {}),
      }
    }
    const result: CliStartupResult = {
      runs: options.runs,
      warmupRuns: options.warmupRuns,
      tenants: DEMO_SCHEMAS.length,
      baseline,
      help: command('help'),
      tenantList: command('tenantList'),
      doctor: command('doctor'),
      loadAverageStart,
      loadAverageEnd: os.loadavg()[0] ?? 0,
    }
    progress(
      `  p50: node -e 0 ${baseline.p50Ms.toFixed(0)} ms, --help ${result.help.p50Ms.toFixed(0)} ms, tenant list ${result.tenantList.p50Ms.toFixed(0)} ms, doctor ${result.doctor.p50Ms.toFixed(0)} ms`,
    )
    return result
  } finally {
    progress('CLI start-up: stopping its PostgreSQL and removing its data directory')
    await server.destroy()
  }
}
