import pg from 'pg'
import { DEFAULT_CONNECT_TIMEOUT_MS, addressOf, firstContact } from '../db/connect-timeout.ts'
import type { DatabaseTarget } from '../db/connect.ts'
import { leaseEmbedded } from '../db/embedded-lease.ts'

/**
 * Runs `fn` on one plain pg client of `target`: the embedded server is started
 * on demand and left as connect() leaves it, the first contact is held to the
 * connect timeout with connect()'s message, and nothing of Sequelize or the
 * tenancy core is loaded (a CLI read of one query would spend most of its time
 * loading them).
 */
export async function withPlainClient<T>(
  target: DatabaseTarget,
  onProgress: (step: string) => void,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const lease = target.mode === 'embedded' ? await leaseEmbedded(target.dataDir as string, { onProgress }) : undefined
  try {
    const url = lease?.url ?? target.url
    if (!url) throw new Error('external mode needs a DATABASE_URL')
    // A malformed URL fails as the Database constructor fails on it ("Invalid URL"), before any attempt.
    new URL(url)
    const timeoutMs = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs })
    // A server going away mid-read rejects the query; without a listener it would also crash the process.
    client.on('error', () => undefined)
    try {
      await firstContact(client.connect(), addressOf(url), timeoutMs)
      return await fn(client)
    } finally {
      await client.end().catch(() => undefined)
    }
  } finally {
    await lease?.leave()
  }
}
