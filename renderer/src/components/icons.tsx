/*
 * Icons as inline SVG: emoji depend on the system's fonts (a bare Linux box
 * shows a tofu square), these render the same everywhere.
 */

export function BlockedIcon({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="10" fill="currentColor" />
      <rect x="6" y="10.5" width="12" height="3" rx="1" fill="white" />
    </svg>
  )
}

export function WarningIcon({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2 1 21h22L12 2z" fill="currentColor" />
      <rect x="11" y="9" width="2" height="6" fill="white" />
      <rect x="11" y="16.5" width="2" height="2" fill="white" />
    </svg>
  )
}
