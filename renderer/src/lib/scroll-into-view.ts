import { useEffect, useRef, type RefObject } from 'react'

/**
 * A ref whose element is scrolled into view (as little as needed) whenever
 * `trigger` changes to something: a new result below the fold comes up
 * instead of arriving unseen.
 */
export function useScrollIntoView<E extends HTMLElement>(trigger: unknown): RefObject<E | null> {
  const ref = useRef<E>(null)
  useEffect(() => {
    if (trigger === undefined || trigger === null || trigger === false) return
    const element = ref.current
    // Not every DOM (happy-dom in tests) implements it.
    if (element && typeof element.scrollIntoView === 'function') element.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
  }, [trigger])
  return ref
}
