import type { KeyboardEvent as ReactKeyboardEvent } from 'react'

/** Whether shortcuts use ⌘ (macOS) rather than Ctrl. */
export function isMac(): boolean {
  const nav = globalThis.navigator as (Navigator & { userAgentData?: { platform?: string } }) | undefined
  const platform = nav?.userAgentData?.platform ?? nav?.platform ?? ''
  return /mac/i.test(platform)
}

/** How the primary modifier is written in hints: "⌘" or "Ctrl+". */
export function modifierLabel(): string {
  return isMac() ? '⌘' : 'Ctrl+'
}

/** Whether the event has the primary modifier (⌘ on macOS, Ctrl elsewhere; either is accepted). */
export function hasPrimaryModifier(event: KeyboardEvent | ReactKeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey
}
