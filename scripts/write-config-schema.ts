// Writes schemata.config.schema.json from the loader's own schema (a unit test checks it is current).
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { configJsonSchema } from '../electron/main/project/config-schema.ts'

const target = path.resolve(import.meta.dirname, '..', 'schemata.config.schema.json')
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
console.log(`wrote ${path.relative(process.cwd(), target)}`)
