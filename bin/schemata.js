#!/usr/bin/env node
// Runs the CLI compiled to out/cli (npm run build, build:cli, or npm install's
// prepare) when it is there and no source it was built from has changed since;
// otherwise the TypeScript sources through tsx, so a fresh clone's
// `npx schemata` works before any build (about 2 s slower per command).
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('../', import.meta.url)

/** The compiled entry when it is up to date, else undefined. */
function compiledEntry() {
  if (process.env.SCHEMATA_CLI_FROM_SOURCE === '1') return undefined
  const dir = fileURLToPath(root)
  let manifest
  try {
    manifest = JSON.parse(readFileSync(`${dir}out/cli/inputs.json`, 'utf8'))
  } catch {
    return undefined
  }
  // Every start pays this, --help included: plain string paths and no exception for a missing
  // file keep ~190 stats at a few ms (a URL per file and a throwing stat cost 8–22 ms).
  const options = { throwIfNoEntry: false }
  for (const file of manifest.inputs) {
    // An edited (or checked-out) source is newer than the build; a deleted one means the build is of other sources.
    const stats = statSync(dir + file, options)
    if (stats === undefined || stats.mtimeMs >= manifest.builtAt) return undefined
  }
  return new URL('out/cli/entry.js', root)
}

const entry = compiledEntry()
let main
if (entry !== undefined) {
  ;({ main } = await import(entry.href))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../electron/main/cli/entry.ts'))
}
process.exitCode = await main(process.argv.slice(2))
