import { createServer } from 'node:net'

/** Asks the OS for a loopback port nobody is listening on right now (it can still be taken before we use it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error(`could not read the port of a listener on ${host}`))
        return
      }
      const { port } = address
      server.close((error) => (error ? reject(error) : resolve(port)))
    })
  })
}

/**
 * Whether `port` can be listened on right now: undefined if so, else the
 * error code (EADDRINUSE, EACCES). Lets a command report a clash before it
 * starts anything slow; the real listen can still lose a race and reports it too.
 */
export function portUnavailable(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
}
