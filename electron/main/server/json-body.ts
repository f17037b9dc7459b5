import type { IncomingMessage } from 'node:http'
import { InvalidInputError } from '../errors.ts'
import { HttpError } from './http-errors.ts'

export interface ReadJsonOptions {
  /** Largest body accepted, in bytes. */
  limit: number
  /**
   * Refuse a body not sent as application/json (415): another type, or none.
   * A browser sends JSON cross-site only after a CORS preflight this server
   * never grants, so this keeps other sites' forms and `no-cors` fetches out
   * (issue 10, item 4).
   */
  requireJsonType?: boolean
}

/** Whether a Content-Type is JSON (`application/json`, with or without parameters). */
function isJsonType(type: string): boolean {
  return /^application\/json\s*(;|$)/i.test(type)
}

function notJson(): HttpError {
  return new HttpError(415, 'INVALID_INPUT', 'body: must be sent as application/json (Content-Type: application/json)', {
    field: 'body',
    headers: { connection: 'close' },
  })
}

function tooLarge(limit: number): HttpError {
  // The rest of the body stays unread, so the connection must not be reused.
  return new HttpError(413, 'INVALID_INPUT', `body: larger than ${limit} bytes`, {
    field: 'body',
    headers: { connection: 'close' },
  })
}

function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        // Not req.destroy(): that would take the socket, and the 413 with it.
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (error: Error): void => {
      cleanup()
      reject(error)
    }
    const cleanup = (): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
  })
}

/**
 * Reads a JSON request body of at most `limit` bytes. An empty body is
 * `undefined`; a body that is not JSON is invalid input naming `body`.
 */
export async function readJsonBody(req: IncomingMessage, options: ReadJsonOptions): Promise<unknown> {
  const type = req.headers['content-type']
  if (options.requireJsonType && type !== undefined && !isJsonType(type)) throw notJson()
  if (Number(req.headers['content-length'] ?? 0) > options.limit) throw tooLarge(options.limit)
  const raw = await readRaw(req, options.limit)
  if (raw.length === 0) return undefined
  if (options.requireJsonType && type === undefined) throw notJson()
  try {
    return JSON.parse(raw.toString('utf8')) as unknown
  } catch {
    throw new InvalidInputError('body', 'is not valid JSON')
  }
}
