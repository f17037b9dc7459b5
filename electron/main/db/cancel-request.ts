import { connect } from 'node:net'

/** Protocol constant of a CancelRequest (PostgreSQL docs, "Message Formats"). */
const CANCEL_REQUEST_CODE = 80877102

/**
 * Asks PostgreSQL to cancel whatever the backend `processId` is running, as
 * psql's Ctrl-C does: a CancelRequest on a fresh connection, carrying the
 * backend's pid and the secret key it handed out at start-up. It needs no
 * privileges beyond knowing that key, so a tenant session can be cancelled by
 * the process that opened it and by nobody else. Resolves once the request is
 * sent and the server has closed the socket; the cancelled statement then fails
 * with SQLSTATE 57014 on its own connection.
 */
export function sendCancelRequest(target: { host: string; port: number }, processId: number, secretKey: number, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const packet = Buffer.alloc(16)
    packet.writeInt32BE(16, 0)
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4)
    packet.writeInt32BE(processId, 8)
    packet.writeInt32BE(secretKey, 12)
    const socket = connect({ host: target.host, port: target.port })
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`cancel request to ${target.host}:${target.port} timed out`)))
    socket.once('connect', () => socket.end(packet))
    socket.once('error', reject)
    // The server reads the packet and closes without answering.
    socket.once('close', (hadError) => {
      if (!hadError) resolve()
    })
    socket.resume()
  })
}
