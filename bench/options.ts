import { parseArgs } from 'node:util'

/** What `npm run bench -- …` accepts. */
export interface CliOptions {
  tenants: number
  iterations: number
  json: boolean
  out: string | undefined
  trace: boolean
  help: boolean
}

export const USAGE = `usage: npm run bench -- [--tenants N] [--iterations N] [--json] [--out FILE] [--trace]
  --tenants N     tenants to create and migrate (default 100)
  --iterations N  scoped and unscoped reads measured (default 5000)
  --json          print the figures as one JSON object, the last line of stdout
  --out FILE      also write that JSON object to FILE
  --trace         also record the SQL of each round trip of one createTenant, read, migration and drop`

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
  }
}
