import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

const at = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url))

/*
 * Three entries (electron-vite): main, preload and renderer, all under out/.
 * `npm run build` → out/main/index.js (ESM, dependencies stay in node_modules;
 * Schemata's registry migrations are statically imported, so they are bundled; a
 * project's migrations are read from its folders at run time), out/preload/index.cjs,
 * out/renderer/index.html.
 */
export default defineConfig({
  main: {
    build: {
      outDir: at('./out/main'),
      lib: { entry: at('./electron/main/index.ts'), formats: ['es'] },
      rolldownOptions: { output: { entryFileNames: '[name].js' } },
    },
  },
  preload: {
    build: {
      outDir: at('./out/preload'),
      // A sandboxed preload can require only `electron` (and a few built-ins): everything else, zod included, is bundled in.
      externalizeDeps: false,
      // package.json says "type": "module", which would make this an .mjs ES module; sandboxed preloads must be CommonJS.
      lib: { entry: at('./electron/preload/index.ts'), formats: ['cjs'] },
      rolldownOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: at('./renderer'),
    plugins: [react()],
    build: {
      outDir: at('./out/renderer'),
      rolldownOptions: { input: at('./renderer/index.html') },
    },
  },
})
