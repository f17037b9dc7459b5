import pg from 'pg'

/**
 * A plain pg connection for the bench's own SQL. node-postgres reports a
 * connection dropped while idle (the server stopping on Ctrl-C, a crash) as an
 * 'error' event, which without a listener kills the process before the bench
 * can remove its server; the listener reports it instead, and the next query on
 * the dead client fails the run as usual.
 */
export async function connectPlain(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', (error) => {
    process.stderr.write(`bench: a PostgreSQL connection was lost: ${error.message}\n`)
  })
  await client.connect()
  return client
}
