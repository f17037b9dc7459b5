/** A small line chart of a series (oldest first), scaled to its own maximum; the label says what it shows. */
export function Sparkline({
  values,
  label,
  width = 120,
  height = 28,
  tone = 'normal',
}: {
  values: readonly number[]
  label: string
  width?: number
  height?: number
  tone?: 'normal' | 'hot'
}) {
  const max = Math.max(0, ...values)
  const pad = 2
  const step = values.length > 1 ? (width - pad * 2) / (values.length - 1) : 0
  const y = (v: number): number => height - pad - (max > 0 ? (v / max) * (height - pad * 2) : 0)
  const points = values.map((v, i) => `${(pad + i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
  return (
    <svg
      className={`sparkline sparkline--${tone}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      data-points={values.length}
    >
      <line className="sparkline__base" x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} />
      {values.length > 1 ? (
        <polyline className="sparkline__line" points={points} />
      ) : (
        values.length === 1 && <circle className="sparkline__dot" cx={width / 2} cy={y(values[0] as number)} r={2} />
      )}
    </svg>
  )
}
