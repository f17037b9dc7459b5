import pg from 'pg'
import { connect, targetFromEnvironment } from './electron/main/db/connect.ts'
import { TenantSessions } from './electron/main/tenancy/tenant-sessions.ts'
const c = await connect(targetFromEnvironment(process.env))
const db = c.db
const rows = await db.rows<{ schema: string }>("SELECT schema FROM public.tenants WHERE status='active' ORDER BY schema")
const schemas = rows.map((r) => r.schema)
console.log('settings', await db.rows("SELECT name, setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','password_encryption','max_connections')"))
// floor: plain per-tenant connection as admin
const conc = 8
async function bounded(fn: (s: string) => Promise<void>) { let i = 0; await Promise.all(Array.from({ length: conc }, async () => { while (i < schemas.length) { await fn(schemas[i++]!) } })) }
let t0 = performance.now()
await bounded(async (s) => { const cl = new pg.Client({ connectionString: db.directUrl }); await cl.connect(); await cl.query(`SELECT count(*) FROM "${s}".customers`); await cl.end() })
console.log('floor per-tenant conns', Math.round(performance.now() - t0))
const clients = await Promise.all(Array.from({ length: conc }, async () => { const cl = new pg.Client({ connectionString: db.directUrl }); await cl.connect(); return cl }))
t0 = performance.now()
let k = 0
await Promise.all(clients.map(async (cl) => { while (k < schemas.length) { const s = schemas[k++]!; await cl.query(`SELECT count(*) FROM "${s}".customers`) } }))
console.log('floor reused conns', Math.round(performance.now() - t0))
await Promise.all(clients.map((cl) => cl.end()))
const sessions = new TenantSessions(db, { maxConnections: conc })
t0 = performance.now()
await sessions.fanOut(schemas, 'SELECT count(*) FROM customers', {})
console.log('fanOut', Math.round(performance.now() - t0))
t0 = performance.now()
await sessions.fanOut(schemas, 'SELECT count(*) FROM customers', {})
console.log('fanOut 2nd', Math.round(performance.now() - t0))
await sessions.close()
await c.release()
