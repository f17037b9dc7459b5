import { constants } from 'node:fs'
import { chmod, mkdir, open, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { DatabaseUnavailableError } from '../errors.ts'
import type { DataDirLayout } from './data-dir.ts'

/** The OS user that runs PostgreSQL when we are root (postgres refuses to run as root). */
export interface RunAs {
  uid: number
  gid: number
}

/*
 * The data root holds what Schemata trusts: the superuser's and the admin
 * login's passwords, the server secrets, the cluster. Running as root,
 * Schemata also hands a file in it (postgres.log) to the postgres user. So the
 * root must be ours and writable by nobody else — or whoever could write it
 * could plant a symlink where we open or chown, and root would do it to any
 * file on the machine (issue 10, item 5). Nothing here follows a symlink, and
 * nothing changes the mode of a directory we did not create: a directory the
 * postgres user cannot pass through is explained, not opened up.
 */

/**
 * Creates the data root if needed (0700; 0711 when root, so the postgres user
 * can pass through to pg/ and the log without listing it), refuses one that is
 * not safe, and when root hands postgres.log to the postgres user.
 */
export async function prepareDataRoot(layout: DataDirLayout, runAs: RunAs | undefined): Promise<void> {
  try {
    await mkdir(layout.root, { recursive: true, mode: runAs === undefined ? 0o700 : 0o711 })
  } catch (cause) {
    throw new DatabaseUnavailableError(`cannot create the data directory ${layout.root}`, { cause })
  }
  if (process.platform === 'win32') return
  await assertOwnedAndPrivate(layout.root)
  if (runAs === undefined) return
  // The data root is ours (checked above): it may let the postgres user pass through. Its ancestors are not ours to open.
  const { mode } = await stat(layout.root)
  if ((mode & 0o001) === 0) await chmod(layout.root, (mode & 0o7777) | 0o001)
  await assertTraversable(path.dirname(await realpath(layout.root)), layout.root)
  await handLogToServer(layout.log, runAs)
}

/** The data root must belong to this user and be writable by nobody else. */
async function assertOwnedAndPrivate(root: string): Promise<void> {
  const info = await stat(root)
  const uid = process.getuid?.()
  if (!info.isDirectory()) throw new DatabaseUnavailableError(`the data directory ${root} is not a directory`)
  if (uid !== undefined && info.uid !== uid) {
    throw new DatabaseUnavailableError(
      `the data directory ${root} belongs to uid ${info.uid}, not to the user running Schemata (uid ${uid}); whoever owns it could replace the files Schemata trusts there. Fix: \`chown ${uid} '${root}'\` (and its contents, if they are yours), or use another SCHEMATA_DATA_DIR`,
    )
  }
  if ((info.mode & 0o022) !== 0) {
    throw new DatabaseUnavailableError(
      `the data directory ${root} is writable by ${(info.mode & 0o020) !== 0 ? 'its group' : 'others'} (mode ${octal(info.mode)}); another user could plant files or symlinks there. Fix: \`chmod go-w '${root}'\``,
    )
  }
}

/**
 * The postgres user must pass through every directory above the cluster. We
 * do not add that right to directories we did not create (your home, say):
 * we say which ones lack it and how to fix it.
 */
async function assertTraversable(from: string, root: string): Promise<void> {
  const closed: string[] = []
  let current = from
  for (;;) {
    const { mode } = await stat(current)
    if ((mode & 0o001) === 0) closed.push(`${current} (mode ${octal(mode)})`)
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  if (closed.length > 0) {
    throw new DatabaseUnavailableError(
      `running as root, PostgreSQL runs as the OS user postgres, which must pass through every directory above ${root}; these do not let it: ${closed.join(', ')}. Fix: \`chmod o+x\` on them (it lets others pass through, not list), or use a data directory elsewhere, e.g. SCHEMATA_DATA_DIR=/var/lib/schemata`,
    )
  }
}

/**
 * pg_ctl opens the log as the postgres user, which cannot create files in a
 * root-owned directory: the log is created (or opened) here and handed over.
 * Opened without following a symlink, and changed through the open file, so
 * what is chowned is the file we checked and nothing it might point to.
 */
async function handLogToServer(log: string, runAs: RunAs): Promise<void> {
  let handle
  try {
    handle = await open(log, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new DatabaseUnavailableError(
        `${log} is a symbolic link; Schemata will not hand it to the postgres user (that would hand over whatever it points to). Remove it: a new log is made`,
      )
    }
    throw new DatabaseUnavailableError(`cannot open ${log}`, { cause })
  }
  try {
    const info = await handle.stat()
    if (!info.isFile() || info.nlink > 1) {
      throw new DatabaseUnavailableError(`${log} is not a plain file of its own (a hard link or a special file); remove it: a new log is made`)
    }
    if (info.uid !== runAs.uid || info.gid !== runAs.gid) await handle.chown(runAs.uid, runAs.gid)
  } finally {
    await handle.close()
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0')
}
