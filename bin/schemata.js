#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx, so `npx schemata` works on a
// fresh clone with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../electron/main/cli/entry.ts')
process.exitCode = await main(process.argv.slice(2))
