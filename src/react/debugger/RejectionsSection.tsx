import type { RejectionRecord } from '../../../slices/patchwireSlice'
import * as s from './styles'

/** The status slice's ring of recent refusals, newest first. */
export function RejectionsSection({ rejections }: { rejections: readonly RejectionRecord[] }) {
  if (rejections.length === 0) return <p style={s.muted}>None.</p>
  return (
    <ul style={{ margin: 0, paddingLeft: 16 }}>
      {[...rejections].reverse().map((r, i) => (
        <li
          // Records carry no unique key (ids are optional); position from the newest is stable enough here.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          key={i}
          style={s.rejected}
          data-pw-rejected={r.reason}
        >
          {r.source} · {r.reason} · {r.opCount} op{r.opCount === 1 ? '' : 's'}
          {r.seq === undefined ? '' : ` · seq ${r.seq}`}
          {r.id === undefined ? '' : ` · ${r.id}`}
          {r.issues.map((issue, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: issues have no identity but their order
            <div key={j} style={s.muted}>
              {issue.path?.length ? `${issue.path.join('.')}: ` : ''}
              {issue.message}
            </div>
          ))}
        </li>
      ))}
    </ul>
  )
}
