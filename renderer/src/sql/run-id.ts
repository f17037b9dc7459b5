/** A fresh id for a statement or fan-out, by which it can be cancelled (the contract's runId: letters, digits, - and _). */
export function newRunId(prefix: string): string {
  const random = globalThis.crypto.getRandomValues(new Uint32Array(2))
  return `${prefix}-${Array.from(random, (n) => n.toString(36)).join('')}`
}
