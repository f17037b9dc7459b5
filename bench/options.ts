import { parseArgs } from 'node:util'

/** What `npm run bench -- …` accepts. */
export interface CliOptions {
  tenants: number
  iterations: number
  json: boolean
  out: string | undefined
  trace: boolean
  help: boolean
  browserTenants: number
  browserTables: number
  browserRows: number
  cliRuns: number
  /** Only the CLI start-up scenario (issue 11): its own server, nothing else measured. */
  cliOnly: boolean
}

export const USAGE = `usage: npm run bench -- [--tenants N] [--iterations N] [--json] [--out FILE] [--trace]
  --tenants N     tenants to create and migrate (default 100)
  --iterations N  scoped and unscoped reads measured (default 5000)
  --json          print the figures as one JSON object, the last line of stdout
  --out FILE      also write that JSON object to FILE
  --trace         also record the SQL of each round trip of one createTenant, read, migration and drop
  --browser-tenants N  tenants of the data browser's project (default 1000)
  --browser-tables N   tables per tenant in that project (default 100)
  --browser-rows N     rows of the data browser's big table (default 1000000)
  --cli-runs N    timed rounds of the CLI start-up (each command and node -e 0 once a round; default 20)
  --cli-only      run only the CLI start-up scenario (a minute or two instead of the whole bench)`

function wholeNumber(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < min || n > max) throw new RangeError(`--${flag}: must be a whole number from ${min} to ${max}`)
  return n
}

/** Parses the bench's arguments; throws with the flag named on bad input. */
export function parseBenchArgs(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      tenants: { type: 'string' },
      iterations: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      trace: { type: 'boolean', default: false },
      'browser-tenants': { type: 'string' },
      'browser-tables': { type: 'string' },
      'browser-rows': { type: 'string' },
      'cli-runs': { type: 'string' },
      'cli-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  return {
    tenants: wholeNumber('tenants', values.tenants, 100, 2, 99_999),
    iterations: wholeNumber('iterations', values.iterations, 5000, 10, 10_000_000),
    json: values.json,
    out: values.out,
    trace: values.trace,
    help: values.help,
    browserTenants: wholeNumber('browser-tenants', values['browser-tenants'], 1000, 2, 99_999),
    browserTables: wholeNumber('browser-tables', values['browser-tables'], 100, 1, 1000),
    browserRows: wholeNumber('browser-rows', values['browser-rows'], 1_000_000, 200, 100_000_000),
    cliRuns: wholeNumber('cli-runs', values['cli-runs'], 20, 2, 1000),
    cliOnly: values['cli-only'],
  }
}
