import { execFile } from 'node:child_process'
import { cp, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { COMMANDS } from '../../electron/main/cli/command-table.ts'
import { createTestDatabase, type TestDatabase } from '../fixtures/test-database.ts'

/*
 * The CLI as users run it: bin/schemata.js in a copy of the package, built by
 * scripts/build-cli.ts, spawned as a process against real PostgreSQL. The copy
 * has every dependency but tsx, so a command that works there ran from the
 * compiled JavaScript (and found the demo's config and migrations from out/cli);
 * a second copy, never built, shows a fresh clone's fallback to the sources.
 */

const run = promisify(execFile)
const REPO = path.resolve('.')
const TSX = path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')

interface Outcome {
  code: number
  stdout: string
  stderr: string
}

async function spawnBin(bin: string, args: readonly string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, DATABASE_URL: '', SCHEMATA_DATA_DIR: '', SCHEMATA_CONFIG: '', SCHEMATA_CLI_FROM_SOURCE: '', ...env },
      cwd: path.dirname(path.dirname(bin)),
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** A copy of the package's runnable parts; node_modules as links to the checkout's, tsx left out when asked. */
async function packageCopy(dir: string, options: { withTsx: boolean }): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  for (const entry of ['package.json', 'schemata.config.json', 'schemata.config.schema.json', 'bin', 'electron', 'contract', 'migrations', 'scripts']) {
    await cp(path.join(REPO, entry), path.join(dir, entry), { recursive: true, filter: (source) => !/migrations\/staged\/.+\.sql$/.test(source) })
  }
  await mkdir(path.join(dir, 'node_modules'))
  for (const name of await readdir(path.join(REPO, 'node_modules'))) {
    if (name === 'tsx' && !options.withTsx) continue
    await symlink(path.join(REPO, 'node_modules', name), path.join(dir, 'node_modules', name))
  }
  if (!options.withTsx) {
    // A stand-in that fails when loaded (a missing package would be found in the checkout's node_modules above the copy).
    const stub = path.join(dir, 'node_modules', 'tsx')
    await mkdir(stub)
    await writeFile(path.join(stub, 'package.json'), JSON.stringify({ name: 'tsx', type: 'module', exports: { './esm/api': './api.js' } }))
    await writeFile(path.join(stub, 'api.js'), "throw new Error('no tsx in this copy')\n")
  }
}

describe('the compiled CLI (out/cli) in a copy of the package without tsx', () => {
  const base = path.resolve('.test-data', `cli-compiled-${process.pid}`)
  const built = path.join(base, 'built')
  const bin = path.join(built, 'bin', 'schemata.js')
  let t: TestDatabase
  let env: Record<string, string>

  beforeAll(async () => {
    await packageCopy(built, { withTsx: false })
    // The checkout's tsx runs the build script; the copy itself has none.
    await run(process.execPath, ['--import', TSX, path.join(built, 'scripts', 'build-cli.ts')], { cwd: built, timeout: 120_000 })
    t = await createTestDatabase(inject('embeddedAdminUrl'), { migrateShared: false })
    env = { DATABASE_URL: t.url }
  })
  afterAll(async () => {
    await t?.drop()
    await rm(base, { recursive: true, force: true })
  })

  it('runs from out/cli: --help without a database, then demo and tenant list --json against one', async () => {
    const help = await spawnBin(bin, ['--help'])
    expect(help).toMatchObject({ code: 0, stderr: '' })
    expect(help.stdout).toMatch(/^usage: schemata/)
    expect((await spawnBin(bin, ['demo'], env)).code).toBe(0)
    const list = await spawnBin(bin, ['tenant', 'list', '--json'], env)
    expect(list.code, list.stderr).toBe(0)
    expect((JSON.parse(list.stdout) as { schema: string; pending: number }[]).map((x) => [x.schema, x.pending])).toEqual([
      ['acme', 0],
      ['globex', 0],
      ['initech', 0],
    ])
  })

  it('--help and every <command> [<verb>] --help print usage with exit 0; every form takes --json', async () => {
    for (const [name, spec] of Object.entries(COMMANDS)) {
      const own = await spawnBin(bin, [name, '--help'])
      expect(own, name).toMatchObject({ code: 0, stderr: '' })
      expect(own.stdout, name).toMatch(new RegExp(`^usage: schemata ${name}\\b`))
      const forms = spec.verbs === undefined ? [[[], spec.flags ?? {}] as const] : Object.entries(spec.verbs).map(([verb, form]) => [[verb], form.flags] as const)
      for (const [verb, flags] of forms) {
        expect(Object.keys(flags), `${name} ${verb.join(' ')}`).toContain('json')
        if (verb.length === 0) continue
        const out = await spawnBin(bin, [name, ...verb, '--help'])
        expect(out, `${name} ${verb[0]}`).toMatchObject({ code: 0, stderr: '' })
        expect(out.stdout).toMatch(new RegExp(`^usage: schemata ${name} ${verb[0]}\\b`))
        expect(out.stdout).toContain('--json')
        // -h too, wherever it stands among the flags.
        expect((await spawnBin(bin, [name, ...verb, '--schema', 'x', '-h'])).code).toBe(0)
      }
    }
  })

  it('suggests the closest command, verb, flag and schema name; exit 2 with one stderr line, nothing changed', async () => {
    const before = (await spawnBin(bin, ['tenant', 'list', '--json'], env)).stdout
    const cases: [string[], RegExp][] = [
      [['tenat', 'list'], /^command: "tenat" is not a schemata command \(did you mean "tenant"\?\)/],
      [['tenant', 'craete', '--name', 'X'], /^command: "tenant craete" is not a command \(did you mean "tenant create"\?\)/],
      [['tenant', 'drop', '--schmea', 'acme', '--yes'], /^schmea: Unknown option '--schmea'; did you mean --schema\?$/],
      [['migrate', '--concurency', '2'], /did you mean --concurrency\?$/],
      [['doctor', '--bogus'], /^bogus: Unknown option '--bogus'; this command takes --fix, --citus, --json$/],
      [['tenant', 'create', '--name', 'Hooli', '--schema', 'Hooli'], /^schema: must match .*; did you mean "hooli"\?$/],
      [['tenant', 'create', '--name', 'Hooli', '--schema', 'Hooli Inc'], /did you mean "hooli_inc"\?$/],
      [['tenant', 'list', 'extra'], /^arguments: unexpected argument "extra"/],
      [['tenant'], /^command: "tenant" needs a verb/],
    ]
    for (const [args, pattern] of cases) {
      const out = await spawnBin(bin, args, env)
      expect(out.code, args.join(' ')).toBe(2)
      expect(out.stdout).toBe('')
      const lines = out.stderr.trim().split('\n')
      expect(lines, args.join(' ')).toHaveLength(1)
      expect(lines[0]).toMatch(pattern)
    }
    expect((await spawnBin(bin, ['tenant', 'list', '--json'], env)).stdout).toBe(before)
  })

  it('a duplicate create and a drop of a missing tenant are invalid input (exit 2), one line naming the schema', async () => {
    const created = await spawnBin(bin, ['tenant', 'create', '--name', 'Hooli', '--schema', 'hooli', '--json'], env)
    expect(created.code, created.stderr).toBe(0)
    expect(JSON.parse(created.stdout)).toEqual({ name: 'Hooli', schema: 'hooli', type: 'standard', domains: ['hooli.localhost'], status: 'active' })
    const duplicate = await spawnBin(bin, ['tenant', 'create', '--name', 'Hooli again', '--schema', 'hooli'], env)
    expect(duplicate.code).toBe(2)
    expect(duplicate.stderr.trim()).toMatch(/^schema: a tenant with schema "hooli" already exists/)
    const dropped = await spawnBin(bin, ['tenant', 'drop', '--schema', 'hooli', '--yes', '--json'], env)
    expect(dropped).toMatchObject({ code: 0 })
    expect(JSON.parse(dropped.stdout)).toEqual({ schema: 'hooli', dropped: true })
    const again = await spawnBin(bin, ['tenant', 'drop', '--schema', 'hooli', '--yes'], env)
    expect(again.code).toBe(2)
    expect(again.stderr.trim().split('\n')).toEqual(['schema: no tenant with schema "hooli"'])
  })

  it('demo --pending stages a harmless migration every demo tenant has pending; migrate rolls it out', async () => {
    const staged = await spawnBin(bin, ['demo', '--pending', '--json'], env)
    expect(staged.code, staged.stderr).toBe(0)
    const result = JSON.parse(staged.stdout) as { existing: string[]; staged: { name: string; file: string; tenants: number } }
    expect(result.existing).toEqual(['acme', 'globex', 'initech'])
    expect(result.staged).toMatchObject({ name: '9001_demo_note_1', tenants: 3 })
    expect(result.staged.file).toBe(path.join(built, 'migrations', 'staged', '9001_demo_note_1.sql'))
    const pending = JSON.parse((await spawnBin(bin, ['tenant', 'list', '--json'], env)).stdout) as { pending: number }[]
    expect(pending.map((x) => x.pending)).toEqual([1, 1, 1])
    const migrated = await spawnBin(bin, ['migrate', '--json'], env)
    expect(migrated.code, migrated.stderr).toBe(0)
    expect(JSON.parse(migrated.stdout)).toMatchObject({ counts: { total: 3, migrated: 3, applied: 3, failed: 0 } })
    const [column] = await t.db.rows<{ n: string }>(`SELECT count(*) AS n FROM information_schema.columns WHERE column_name = 'demo_note_1' AND table_name = 'customers'`)
    expect(Number(column?.n)).toBe(3)
    // The next one is the next number; another project is refused.
    expect(JSON.parse((await spawnBin(bin, ['demo', '--pending', '--json'], env)).stdout)).toMatchObject({ staged: { name: '9002_demo_note_2' } })
    const project = path.join(base, 'project')
    await mkdir(project, { recursive: true })
    expect((await spawnBin(bin, ['init', project, '--json'])).code).toBe(0)
    const other = await spawnBin(bin, ['--config', project, 'demo', '--pending'], env)
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/^pending: stages a demo migration in the built-in demo project only/)
  })

  it('a source changed after the build is not run from out/cli (here, with no tsx to fall back on, it fails)', async () => {
    const source = path.join(built, 'electron', 'main', 'cli', 'usage.ts')
    const later = new Date(Date.now() + 1000)
    await utimes(source, later, later)
    const stale = await spawnBin(bin, ['--help'])
    expect(stale.code).not.toBe(0)
    expect(stale.stderr).toMatch(/no tsx in this copy/)
    const manifest = JSON.parse(await readFile(path.join(built, 'out', 'cli', 'inputs.json'), 'utf8')) as { inputs: string[] }
    expect(manifest.inputs).toContain('electron/main/cli/usage.ts')
  })
})

describe('a fresh clone (never built) runs the CLI from its TypeScript sources', () => {
  const fresh = path.resolve('.test-data', `cli-fresh-${process.pid}`)
  afterAll(() => rm(fresh, { recursive: true, force: true }))

  it('answers --help and a usage error through tsx', async () => {
    await packageCopy(fresh, { withTsx: true })
    const help = await spawnBin(path.join(fresh, 'bin', 'schemata.js'), ['tenant', 'list', '--help'])
    expect(help).toMatchObject({ code: 0, stderr: '' })
    expect(help.stdout).toMatch(/^usage: schemata tenant list/)
    const typo = await spawnBin(path.join(fresh, 'bin', 'schemata.js'), ['sevre'])
    expect(typo.code).toBe(2)
    expect(typo.stderr.trim()).toMatch(/did you mean "serve"\?/)
  })
})
