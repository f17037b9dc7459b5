import { connect, targetFromEnvironment } from './electron/main/db/connect.ts'
import { Tenancy } from './electron/main/tenancy/service.ts'
import { loadProject } from './electron/main/project/load-project.ts'
import { builtinConfigPath } from './electron/main/project/find-config.ts'
const n = Number(process.argv[2] ?? 100)
const project = await loadProject(builtinConfigPath(), { builtin: true })
const c = await connect(targetFromEnvironment(process.env))
const t = new Tenancy(c.db, { project })
const t0 = performance.now()
let i = 0
await Promise.all([0, 1].map(async () => { while (i < n) { const k = i++; await t.createTenant({ name: `t${k}`, schema: `t${String(k).padStart(5, '0')}` }).catch(() => undefined) } }))
console.log(`created ${n} in ${Math.round(performance.now() - t0)} ms`)
await t.resolver.close(); await c.release()
