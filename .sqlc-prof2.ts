import pg from 'pg'
import { connect, targetFromEnvironment } from './electron/main/db/connect.ts'
import { SessionCredentials } from './electron/main/tenancy/session-credentials.ts'
const c = await connect(targetFromEnvironment(process.env))
const db = c.db
const rows = await db.rows<{ schema: string; role: string }>("SELECT schema, role FROM public.tenants WHERE status='active' ORDER BY schema")
const creds = new SessionCredentials(db, 600_000)
let t0 = performance.now()
const pw = await Promise.all(rows.map((r) => creds.acquire(r.role)))
console.log('issue all creds (one batch)', Math.round(performance.now() - t0))
const conc = 8
let i = 0
t0 = performance.now()
await Promise.all(Array.from({ length: conc }, async () => { while (i < rows.length) { const k = i++; const r = rows[k]!; const u = new URL(db.directUrl); u.username = r.role; u.password = pw[k]!; const cl = new pg.Client({ connectionString: u.toString() }); await cl.connect(); await cl.query('SELECT count(*) FROM "' + r.schema + '".customers'); await cl.end() } }))
console.log('connect+query+end as tenants (creds ready)', Math.round(performance.now() - t0))
t0 = performance.now()
i = 0
await Promise.all(Array.from({ length: conc }, async () => { while (i < rows.length) { const k = i++; const r = rows[k]!; creds.release(r.role); await creds.acquire(r.role); } }))
console.log('release+reissue one by one, 8 workers', Math.round(performance.now() - t0))
t0 = performance.now()
for (const r of rows) creds.release(r.role)
await creds.close()
console.log('close', Math.round(performance.now() - t0))
await c.release()
