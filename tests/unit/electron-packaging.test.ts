import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/*
 * The packaging configuration as electron-builder itself reads and validates
 * it (its own loader and JSON schema, reached through electron-builder's
 * dependency so nothing here guesses the format). Electron cannot be
 * downloaded here, so the packaged binary is never built; what is pinned is
 * what electron-builder would flip in it.
 */
interface BuilderConfig {
  asar?: boolean
  electronFuses?: Record<string, boolean>
}
interface ConfigModule {
  getConfig(projectDir: string, configPath: null, fromOptions: null): Promise<BuilderConfig>
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>
}

const fromBuilder = createRequire(createRequire(resolve('package.json')).resolve('electron-builder'))
const configModule = fromBuilder('app-builder-lib/out/util/config/config.js') as ConfigModule
const { DebugLogger } = fromBuilder('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }

async function packagingConfig(): Promise<BuilderConfig> {
  const config = await configModule.getConfig(resolve('.'), null, null)
  await configModule.validateConfiguration(config, new DebugLogger(false))
  return config
}

describe('electron-builder configuration', () => {
  it('is valid for electron-builder and sets the fuses that close the Node.js back doors', async () => {
    const config = await packagingConfig()
    expect(config.asar).toBe(true)
    expect(config.electronFuses).toEqual({
      // ELECTRON_RUN_AS_NODE would make the signed app run any script as Node.js.
      runAsNode: false,
      enableCookieEncryption: true,
      // NODE_OPTIONS=--require=… and --inspect would inject code into main.
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      // Only app.asar, checked against its hash where Electron can (macOS, Windows).
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })
})
