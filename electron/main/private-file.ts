import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'

/**
 * Writes `text` to a fresh 0600 temporary file beside `file`, synced, and
 * hands its path to `place` (which links or renames it into place); the
 * temporary is removed afterwards whatever happens. O_EXCL | O_NOFOLLOW: a
 * name planted in the folder beforehand is never written through.
 */
export async function viaPrivateTemporary<T>(file: string, text: string, place: (temporary: string) => Promise<T>): Promise<T> {
  const temporary = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  try {
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
    return await place(temporary)
  } finally {
    await rm(temporary, { force: true })
  }
}

/** Replaces `file` with `text` atomically, 0600; rename() replaces a symlink itself, never what it points to. */
export function replacePrivateFile(file: string, text: string): Promise<void> {
  return viaPrivateTemporary(file, text, (temporary) => rename(temporary, file))
}
