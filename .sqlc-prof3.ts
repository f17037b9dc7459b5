import pg from 'pg'
import { connect, targetFromEnvironment } from './electron/main/db/connect.ts'
import { SessionCredentials } from './electron/main/tenancy/session-credentials.ts'
const c = await connect(targetFromEnvironment(process.env))
const db = c.db
const rows = await db.rows<{ schema: string; role: string }>("SELECT schema, role FROM public.tenants WHERE status='active' ORDER BY schema")
const creds = new SessionCredentials(db, 600_000)
const pw = await Promise.all(rows.map((r) => creds.acquire(r.role)))
const conc = 8
async function run(label: string, make: (k: number) => string, opts = '') {
  let i = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: conc }, async () => { while (i < rows.length) { const k = i++; const cl = new pg.Client({ connectionString: make(k) + opts }); await cl.connect(); await cl.query('SELECT count(*) FROM "' + rows[k]!.schema + '".customers'); await cl.end() } }))
  console.log(label, Math.round(performance.now() - t0))
}
for (let round = 0; round < 2; round++) {
  await run('admin', () => db.directUrl)
  await run('tenant', (k) => { const u = new URL(db.directUrl); u.username = rows[k]!.role; u.password = pw[k]!; return u.toString() })
}
for (const r of rows) creds.release(r.role)
await creds.close()
await c.release()
