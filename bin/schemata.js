#!/usr/bin/env node
// Runs the CLI compiled to out/cli (npm run build, build:cli, or npm install's
// prepare) when it is there and no source it was built from has changed since;
// otherwise the TypeScript sources through tsx, so a fresh clone's
// `npx schemata` works before any build (about 2 s slower per command).
import { readFileSync, statSync } from 'node:fs'

const root = new URL('../', import.meta.url)

/** The compiled entry when it is up to date, else undefined. */
function compiledEntry() {
  if (process.env.SCHEMATA_CLI_FROM_SOURCE === '1') return undefined
  let manifest
  try {
    manifest = JSON.parse(readFileSync(new URL('out/cli/inputs.json', root), 'utf8'))
  } catch {
    return undefined
  }
  for (const file of manifest.inputs) {
    // An edited (or checked-out) source is newer than the build; a deleted one throws.
    try {
      if (statSync(new URL(file, root)).mtimeMs >= manifest.builtAt) return undefined
    } catch {
      return undefined
    }
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
