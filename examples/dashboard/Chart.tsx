import type { MetricPoint } from '../shared/schemas'

const W = 640
const H = 120

/** One metric over the window, as an inline SVG polyline. */
export function Chart({
  points,
  field,
  max,
  color,
  label,
}: {
  points: MetricPoint[]
  field: 'cpu' | 'mem' | 'rps'
  max: number
  color: string
  label: string
}) {
  const first = points[0]?.tick ?? 0
  const span = Math.max(1, (points.at(-1)?.tick ?? 0) - first)
  const line = points
    .map(
      (p) =>
        `${(((p.tick - first) / span) * W).toFixed(1)},${(H - (p[field] / max) * H).toFixed(1)}`,
    )
    .join(' ')
  const last = points.at(-1)?.[field]
  return (
    <figure style={{ margin: '0 0 16px' }}>
      <figcaption>
        {label}:{' '}
        <strong data-testid={`latest-${field}`}>
          {last === undefined ? '–' : last.toFixed(1)}
        </strong>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        height={H}
        role="img"
        aria-label={`${label} chart`}
        style={{ background: '#f6f7f9', borderRadius: 6 }}
      >
        <polyline points={line} fill="none" stroke={color} strokeWidth={2} />
      </svg>
    </figure>
  )
}
