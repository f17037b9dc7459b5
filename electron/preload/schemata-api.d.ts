import type { SchemataBridge } from './bridge-api.ts'

declare global {
  interface Window {
    /** The preload's contract bridge; undefined when the renderer runs in a browser (browser mode). */
    readonly schemata?: SchemataBridge
  }
}
