/**
 * The tenant lifecycle's figures (issue 14), each against a floor measured in
 * the same run on the same embedded server:
 *
 * - warm-pool claim vs a normal createTenant (p50 of N each);
 * - rename vs the bare ALTER SCHEMA … RENAME + ALTER ROLE … RENAME in one transaction;
 * - export, import and clone-with-data of one tenant of ROWS rows vs plain
 *   COPY … TO STDOUT / COPY … FROM STDIN over one connection, and INSERT … SELECT.
 *
 *   node --import tsx bench/lifecycle.ts [--rows 1000000] [--runs 3] [--json]
 *   (heavy runs: flock /work/.fulltest.lock …)
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { Database } from '../electron/main/db/database.ts'
import { qualified, quoteIdent } from '../electron/main/db/sql.ts'
import { cloneTenant } from '../electron/main/lifecycle/clone-tenant.ts'
import { exportTenantToFile } from '../electron/main/lifecycle/export-tenant.ts'
import { importTenantFromFile } from '../electron/main/lifecycle/import-tenant.ts'
import { loadProject } from '../electron/main/project/load-project.ts'
import { builtinConfigPath } from '../electron/main/project/find-config.ts'
import { Tenancy } from '../electron/main/tenancy/service.ts'
import { connectPlain } from './pg-client.ts'
import { defaultBenchDataDir, destroyBenchServer, startBenchServer } from './server.ts'
import { summarize } from './stats.ts'

const { values } = parseArgs({ options: { rows: { type: 'string' }, runs: { type: 'string' }, n: { type: 'string' }, json: { type: 'boolean' } } })
const ROWS = Number(values.rows ?? 1_000_000)
const RUNS = Number(values.runs ?? 3)
const N = Number(values.n ?? 40)
const log = (message: string) => process.stderr.write(`[lifecycle bench] ${message}\n`)

const dataDir = `${defaultBenchDataDir()}-lifecycle`
const server = await startBenchServer(dataDir)
const files = join(dataDir, '..', 'lifecycle-files')
await mkdir(files, { recursive: true })
const result: Record<string, unknown> = { rows: ROWS, runs: RUNS, postgres: server.serverVersion }
try {
  const url = await server.createDatabase('lifecycle_bench')
  const db = new Database({ url, mode: 'external', poolMax: 4 })
  const project = await loadProject(builtinConfigPath(), { builtin: true })
  const tenancy = new Tenancy(db, { project })
  const pooled = new Tenancy(db, { project, pool: { size: N } })
  await tenancy.migrate()
  const client = await connectPlain(url)

  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const start = performance.now()
    await fn()
    return performance.now() - start
  }
  const best = (samples: number[]) => Math.min(...samples)

  // Warm pool: N claims vs N normal creates (warm-up of each first).
  log(`pool: ${N} claims vs ${N} creates`)
  await tenancy.createTenant({ name: 'warm', schema: 'warm_up' })
  await pooled.fillPool()
  const claims: number[] = []
  const creates: number[] = []
  for (let i = 0; i < N; i++) {
    creates.push(await time(() => tenancy.createTenant({ name: `c${i}`, schema: `created_${i}` })))
    claims.push(await time(() => pooled.createTenant({ name: `p${i}`, schema: `claimed_${i}` })))
  }
  const claim = summarize(claims)
  const create = summarize(creates)
  result.pool = { claimP50Ms: claim.p50, claimP95Ms: claim.p95, createP50Ms: create.p50, createP95Ms: create.p95 }

  // Rename vs the bare DDL in one transaction (on tenants of the same shape, renamed back and forth).
  log(`rename: ${N} renames vs ${N} bare ALTER SCHEMA + ALTER ROLE`)
  const renames: number[] = []
  const floors: number[] = []
  for (let i = 0; i < N; i++) {
    renames.push(await time(() => tenancy.renameTenant(`created_${i}`, `renamed_${i}`)))
    const [row] = (await client.query<{ role: string }>('SELECT role FROM public.tenants WHERE schema = $1', [`claimed_${i}`])).rows
    const role = row?.role ?? ''
    floors.push(
      await time(() =>
        client.query(`BEGIN; ALTER SCHEMA ${quoteIdent(`claimed_${i}`)} RENAME TO ${quoteIdent(`floor_${i}`)}; ALTER ROLE ${quoteIdent(role)} RENAME TO ${quoteIdent(`${role}_f`)}; COMMIT`),
      ),
    )
    // Back, so the registry stays true for the rest of the run.
    await client.query(`BEGIN; ALTER SCHEMA ${quoteIdent(`floor_${i}`)} RENAME TO ${quoteIdent(`claimed_${i}`)}; ALTER ROLE ${quoteIdent(`${role}_f`)} RENAME TO ${quoteIdent(role)}; COMMIT`)
  }
  const rename = summarize(renames)
  const renameFloor = summarize(floors)
  result.rename = { p50Ms: rename.p50, floorP50Ms: renameFloor.p50, ratioToFloor: rename.p50 / renameFloor.p50 }

  // One big tenant: ROWS rows over customers and orders (~100 bytes a row).
  log(`seeding a tenant of ${ROWS} rows`)
  await tenancy.createTenant({ name: 'Big', schema: 'big' })
  const customers = Math.round(ROWS / 5)
  await tenancy.withTenant('big', async (s) => {
    await s.query(`INSERT INTO customers (name, email) SELECT 'Customer number ' || i || ' of a rather large tenant, with a long name', 'customer' || i || '@big.example.com' FROM generate_series(1, $1::int) i`, [customers])
    await s.query(`INSERT INTO orders (customer_id, amount_cents, status) SELECT 1 + (i % $1::int), i % 100000, 'paid' FROM generate_series(1, $2::int) i`, [customers, ROWS - customers])
  })
  await client.query('VACUUM ANALYZE big.customers, big.orders')
  const tables = ['customers', 'orders', 'users']

  const exportRuns: number[] = []
  const exportFloor: number[] = []
  const importRuns: number[] = []
  const importFloor: number[] = []
  const cloneRuns: number[] = []
  const cloneFloor: number[] = []
  let bytes = 0
  const floorFile = join(files, 'floor.copy')
  // The import floor's input: each table's COPY text in a file of its own, written once, untimed.
  for (const table of tables) await pipeline(client.query(copyTo(`COPY ${qualified('big', table)} TO STDOUT`)), createWriteStream(join(files, `floor-${table}.copy`)))
  for (let run = 0; run < RUNS; run++) {
    log(`run ${run + 1}/${RUNS}: export`)
    const file = join(files, `big-${run}.tenant`)
    await rm(file, { force: true })
    exportRuns.push(await time(() => exportTenantToFile(db, file, { schema: 'big', migrations: tenancy.migrations })))
    bytes = (await stat(file)).size
    // Floor: the same tables' COPY TO STDOUT, one connection, into one file.
    exportFloor.push(
      await time(async () => {
        const out = createWriteStream(floorFile, { highWaterMark: 1024 * 1024 })
        for (const table of tables) await pipeline(client.query(copyTo(`COPY ${qualified('big', table)} TO STDOUT`)), out, { end: false })
        await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
      }),
    )
    log(`run ${run + 1}/${RUNS}: import`)
    importRuns.push(await time(() => importTenantFromFile(tenancy, file, { schema: `imported_${run}` })))
    // Floor: COPY FROM STDIN of the same rows into an empty tenant of the same tables, one transaction.
    await tenancy.createTenant({ name: 'floor', schema: `copyfloor_${run}` })
    importFloor.push(
      await time(async () => {
        await client.query('BEGIN')
        for (const table of tables) {
          const tableFile = join(files, `floor-${table}.copy`)
          await pipeline(createReadStream(tableFile, { highWaterMark: 1024 * 1024 }), client.query(copyFrom(`COPY ${qualified(`copyfloor_${run}`, table)} FROM STDIN`)))
        }
        await client.query('COMMIT')
      }),
    )
    log(`run ${run + 1}/${RUNS}: clone`)
    cloneRuns.push(await time(() => cloneTenant(tenancy, { from: 'big', schema: `clone_${run}`, data: true })))
    await tenancy.createTenant({ name: 'floor', schema: `insertfloor_${run}` })
    cloneFloor.push(
      await time(() =>
        client.query(`BEGIN; ${tables.map((t) => `INSERT INTO ${qualified(`insertfloor_${run}`, t)} SELECT * FROM ${qualified('big', t)}`).join('; ')}; COMMIT`),
      ),
    )
  }
  const mbps = (ms: number) => bytes / 1024 / 1024 / (ms / 1000)
  const figure = (ours: number[], floor: number[]) => ({
    bestMs: best(ours),
    floorBestMs: best(floor),
    mbPerS: mbps(best(ours)),
    floorMbPerS: mbps(best(floor)),
    throughputRatio: best(floor) / best(ours),
    runsMs: ours.map(Math.round),
    floorRunsMs: floor.map(Math.round),
  })
  result.fileBytes = bytes
  result.export = figure(exportRuns, exportFloor)
  result.import = figure(importRuns, importFloor)
  result.clone = figure(cloneRuns, cloneFloor)
  await client.end()
  await pooled.close().catch(() => undefined)
  await db.close().catch(() => undefined)
} finally {
  await rm(files, { recursive: true, force: true })
  await destroyBenchServer(dataDir)
}
process.stdout.write(`${values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2)}\n`)
