import { connect, targetFromEnvironment } from './electron/main/db/connect.ts'
const c = await connect(targetFromEnvironment(process.env))
console.log(await c.db.query("SET LOCAL synchronous_commit TO off; SELECT current_setting('synchronous_commit') AS s"))
console.log(await c.db.rows("SELECT current_setting('synchronous_commit') AS s"))
await c.release()
