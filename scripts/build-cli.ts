/**
 * Builds the CLI to JavaScript: out/cli/entry.js and its chunks (ES modules,
 * one chunk per lazily loaded command), with node_modules left as imports.
 * bin/schemata.js runs it when out/cli/inputs.json says every source it was
 * built from is unchanged, and the TypeScript sources through tsx otherwise.
 *
 *   node --import tsx scripts/build-cli.ts             (part of npm run build)
 *   node --import tsx scripts/build-cli.ts --prepare   (npm install: a failure only warns; the CLI then runs from source)
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Plugin, build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = path.join(root, 'out', 'cli')

/**
 * Packages compiled into the chunks instead of imported from node_modules.
 * zod: the project's config is checked by nearly every command, and its ESM
 * build is ~95 modules that Node resolves, reads and links one by one; inside
 * a chunk it is one file (measured: about a third of what zod cost `tenant list`).
 */
const BUNDLED_PACKAGES: readonly string[] = ['zod']

/** esbuild's `packages: 'external'`, except for `bundled` (and their subpaths). */
function externalPackagesBut(bundled: readonly string[]): Plugin {
  return {
    name: 'external-packages-but',
    setup(plugin) {
      // A bare specifier (not ./, ../ or /, not node:) names a package.
      plugin.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === 'entry-point' || args.path.startsWith('node:')) return undefined
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : (args.path.split('/')[0] as string)
        return bundled.includes(name) ? undefined : { path: args.path, external: true }
      })
    },
  }
}

async function buildCli(): Promise<{ files: number; ms: number }> {
  const started = performance.now()
  const startedAt = Date.now()
  await rm(outdir, { recursive: true, force: true })
  await mkdir(outdir, { recursive: true })
  const result = await build({
    absWorkingDir: root,
    entryPoints: { entry: 'electron/main/cli/entry.ts' },
    outdir,
    bundle: true,
    // Each `await import()` of a command becomes its own chunk: --help loads none of them.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // Sequelize, pg, umzug… stay in node_modules, loaded by the chunks that use them; zod is bundled (below).
    plugins: [externalPackagesBut(BUNDLED_PACKAGES)],
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  })
  // What bin/schemata.js compares against: every source file and when the build began.
  const inputs = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'))
  await writeFile(path.join(outdir, 'inputs.json'), `${JSON.stringify({ builtAt: startedAt, inputs })}\n`)
  return { files: inputs.length, ms: performance.now() - started }
}

const prepare = process.argv.includes('--prepare')
try {
  const { files, ms } = await buildCli()
  process.stderr.write(`schemata CLI built to ${path.relative(process.cwd(), outdir) || '.'} (${files} sources, ${Math.round(ms)} ms)\n`)
} catch (error) {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`schemata CLI build failed: ${message}\n`)
  if (prepare) process.stderr.write('the CLI runs from its TypeScript sources instead (slower start); "npm run build:cli" retries\n')
  process.exitCode = prepare ? 0 : 1
}
