/** A labelled progress bar (role="progressbar"); `value` is 0–100. */
export function ProgressBar({
  value,
  label,
  tone = 'normal',
  testId,
  size = 'normal',
}: {
  value: number
  label: string
  tone?: 'normal' | 'done' | 'failed'
  testId?: string
  size?: 'normal' | 'large'
}) {
  const pct = Math.max(0, Math.min(100, Math.round(value)))
  return (
    <div
      className={`progress progress--${tone} progress--${size}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      data-testid={testId}
    >
      <div className="progress__fill" style={{ width: `${pct}%` }} />
    </div>
  )
}
