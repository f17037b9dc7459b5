import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { link, mkdir, open, rename } from 'node:fs/promises'
import path from 'node:path'
import { SchemataError } from '../errors.ts'
import { viaPrivateTemporary } from '../private-file.ts'

/** The local server's two secrets, kept across restarts of the same data directory. */
export interface ServerSecrets {
  /** Signs the tenant API's tokens (HS256): a restart does not sign every API user out. */
  tokenSecret: Buffer
  /** The console's token: an open tab (its cookie) and the printed URL keep working after a restart. */
  consoleToken: string
}

export interface LoadServerSecretsOptions {
  /** A new console token: every tab and printed URL of before stops working (`serve --new-token`). */
  newConsoleToken?: boolean
  /** A new signing secret: every tenant API token issued before stops working (`serve --new-api-secret`). */
  newTokenSecret?: boolean
}

/** The file name inside the data directory. */
export const SERVER_SECRETS_FILE = 'server-secrets.json'

interface StoredSecrets {
  tokenSecret: string
  consoleToken: string
}

/**
 * Reads the server's secrets from `<dir>/server-secrets.json`, creating it
 * (mode 0600, in a 0700 directory if it makes one) on first use and replacing
 * one of them when asked to rotate it. The file is never followed through a
 * symlink, and a file others can read is tightened to 0600 before its secrets
 * are used (a secret others could read may already be known: rotate it).
 */
export async function loadServerSecrets(dir: string, options: LoadServerSecretsOptions = {}): Promise<ServerSecrets> {
  const file = path.join(dir, SERVER_SECRETS_FILE)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  let stored = await readStored(file)
  const rotate = options.newConsoleToken === true || options.newTokenSecret === true
  if (stored === undefined || rotate) {
    const next: StoredSecrets = {
      tokenSecret: stored === undefined || options.newTokenSecret ? randomBytes(32).toString('base64url') : stored.tokenSecret,
      consoleToken: stored === undefined || options.newConsoleToken ? randomBytes(24).toString('base64url') : stored.consoleToken,
    }
    stored = (await writeStored(file, next, { replace: rotate })) ?? next
  }
  return { tokenSecret: Buffer.from(stored.tokenSecret, 'base64url'), consoleToken: stored.consoleToken }
}

async function readStored(file: string): Promise<StoredSecrets | undefined> {
  let handle
  try {
    // O_NOFOLLOW: a symlink planted in place of the file is refused, not read.
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP') throw new SchemataError('DATABASE_UNAVAILABLE', `${file} is a symbolic link; remove it (a new one is made)`)
    throw error
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new SchemataError('DATABASE_UNAVAILABLE', `${file} is not a regular file; remove it (a new one is made)`)
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) await handle.chmod(0o600)
    const parsed = JSON.parse(await handle.readFile('utf8')) as Partial<StoredSecrets>
    if (typeof parsed.tokenSecret === 'string' && Buffer.from(parsed.tokenSecret, 'base64url').length >= 32 && typeof parsed.consoleToken === 'string' && parsed.consoleToken.length >= 16) {
      return { tokenSecret: parsed.tokenSecret, consoleToken: parsed.consoleToken }
    }
    return undefined
  } catch (error) {
    if (error instanceof SyntaxError) return undefined
    throw error
  } finally {
    await handle.close()
  }
}

/**
 * Writes the secrets through a fresh 0600 temporary file renamed into place.
 * A first write does not replace a file another process made meanwhile (both
 * then use that one, and are returned its secrets); a rotation does.
 */
function writeStored(file: string, secrets: StoredSecrets, options: { replace: boolean }): Promise<StoredSecrets | undefined> {
  return viaPrivateTemporary<StoredSecrets | undefined>(file, `${JSON.stringify(secrets, null, 2)}\n`, async (temporary) => {
    if (options.replace) {
      // rename() replaces a symlink itself, never what it points to.
      await rename(temporary, file)
      return undefined
    }
    try {
      // link() fails if the name exists: of two first starts, exactly one file wins and both use it.
      await link(temporary, file)
      return undefined
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const existing = await readStored(file)
      if (existing !== undefined) return existing
      // Unusable leftovers (not JSON, too short): replaced.
      await rename(temporary, file)
      return undefined
    }
  })
}
