import type { LifecycleProgress } from '../../../contract/types.ts'

export type { LifecycleProgress }

/**
 * Passes progress on at most every 100 ms (and always when `final`): a
 * 100 MB export yields thousands of chunks, and a progress line or event per
 * chunk would cost more than the chunk.
 */
export function progressThrottle(listener: ((progress: LifecycleProgress) => void) | undefined): (progress: LifecycleProgress, final?: boolean) => void {
  if (!listener) return () => undefined
  let last = 0
  return (progress, final = false) => {
    const now = performance.now()
    if (!final && now - last < 100) return
    last = now
    listener(progress)
  }
}
