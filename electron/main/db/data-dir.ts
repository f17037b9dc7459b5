import { homedir as osHomedir } from 'node:os'
import path from 'node:path'

/** The inputs that decide where the data root lives; passed in so the rules stay testable on any OS. */
export interface DataDirContext {
  env: Readonly<Record<string, string | undefined>>
  platform: NodeJS.Platform
  homedir: string
}

/** Where embedded PostgreSQL keeps its data: `SCHEMATA_DATA_DIR`, else the OS's per-user app-data folder. */
export function defaultDataDir(
  ctx: DataDirContext = { env: process.env, platform: process.platform, homedir: osHomedir() },
): string {
  const { env, platform, homedir } = ctx
  // Paths are built with the target platform's rules, not the host's, so a Windows path stays a Windows path.
  const p = platform === 'win32' ? path.win32 : path.posix
  const override = nonEmpty(env.SCHEMATA_DATA_DIR)
  if (override !== undefined) return p.resolve(override)

  switch (platform) {
    case 'win32': {
      const appData = nonEmpty(env.APPDATA) ?? p.join(homedir, 'AppData', 'Roaming')
      return p.join(appData, 'Schemata')
    }
    case 'darwin':
      return p.join(homedir, 'Library', 'Application Support', 'Schemata')
    default: {
      // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
      const xdg = nonEmpty(env.XDG_DATA_HOME)
      const base = xdg !== undefined && p.isAbsolute(xdg) ? xdg : p.join(homedir, '.local', 'share')
      return p.join(base, 'schemata')
    }
  }
}

/** The fixed layout inside a data root; one place so start, stop and status agree on it. */
export interface DataDirLayout {
  root: string
  /** The PostgreSQL cluster (PGDATA). */
  pg: string
  /** The superuser's password: bootstrap only (initdb, creating the database and the admin login). */
  credentials: string
  /** The admin login the app runs as day to day. */
  adminLogin: string
  log: string
}

/** Resolves the files of a data root to absolute paths (pg_ctl and postgres get absolute paths only). */
export function dataDirLayout(dataDir: string): DataDirLayout {
  const root = path.resolve(dataDir)
  return {
    root,
    pg: path.join(root, 'pg'),
    credentials: path.join(root, 'credentials.json'),
    adminLogin: path.join(root, 'admin-login.json'),
    log: path.join(root, 'postgres.log'),
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
