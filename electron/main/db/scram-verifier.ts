import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { quoteLiteral } from './sql.ts'

/** PostgreSQL's own default (`scram_iterations`), so a verifier we make is one it would make. */
const ITERATIONS = 4096

/**
 * The SCRAM-SHA-256 verifier of a password, in the form pg_authid stores
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5802/7677).
 * Sent instead of the password in `CREATE/ALTER ROLE … PASSWORD`, so the
 * password itself never appears in a statement, the server log or
 * pg_stat_statements — the same thing psql's `\password` does.
 */
export function scramVerifier(password: string): string {
  const salt = randomBytes(16)
  return verifierFrom(pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256'), salt)
}

const pbkdf2Async = promisify(pbkdf2)

/**
 * `scramVerifier` off the main thread (libuv's pool): for many verifiers at
 * once, e.g. a fan-out's credentials. `iterations` below PostgreSQL's default
 * is only for random passwords (see SessionCredentials): key stretching
 * protects guessable passwords, and the client pays it again at every login.
 */
export async function scramVerifierAsync(password: string, iterations = ITERATIONS): Promise<string> {
  const salt = randomBytes(16)
  return verifierFrom(await pbkdf2Async(password.normalize('NFKC'), salt, iterations, 32, 'sha256'), salt, iterations)
}

function verifierFrom(salted: Buffer, salt: Buffer, iterations = ITERATIONS): string {
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

/** `PASSWORD '<verifier>'` for a role statement. */
export function passwordClause(password: string): string {
  return `PASSWORD ${quoteLiteral(scramVerifier(password))}`
}

/** A random password for a login only this program uses: 24 random bytes, URL-safe. */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url')
}
