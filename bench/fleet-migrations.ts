import type { MigrationDefinition } from '../electron/main/migrations/types.ts'

/**
 * A migration added at run time for the fleet measurement: a nullable column
 * and an index on it — the everyday schema change, written as the repo's own
 * migrations are (DDL through `exec`, which adds no round trip of its own). Each measured run gets its own `tag`, so every run has the same
 * work to do on every schema.
 */
export function fleetMigration(tag: string): MigrationDefinition {
  const column = `bench_${tag}`
  return {
    name: `9000_bench_${tag}`,
    async up({ exec }) {
      await exec(`
        ALTER TABLE customers ADD COLUMN ${column} text;
        CREATE INDEX customers_${column}_idx ON customers (${column});
      `)
    },
    async down({ exec }) {
      await exec(`ALTER TABLE customers DROP COLUMN ${column}`)
    },
  }
}
