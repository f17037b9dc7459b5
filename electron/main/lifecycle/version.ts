import packageJson from '../../../package.json' with { type: 'json' }

/** This build's version, as package.json states it (recorded in every export's manifest). */
export const SCHEMATA_VERSION: string = packageJson.version
