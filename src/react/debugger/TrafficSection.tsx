import { formatPointer } from '../../pointer'
import type { ChangeSource } from '../../types'
import type { TrafficEntry } from '../types'
import * as s from './styles'

const MAX_VALUE_CHARS = 120

// Long values would push everything else out of view; the full op is in Redux DevTools.
function describeValue(value: unknown): string {
  const json = JSON.stringify(value) ?? 'undefined'
  return json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}…` : json
}

function describeOps(entry: TrafficEntry): string {
  return entry.ops
    .map((op) => {
      let path: string
      try {
        path = formatPointer(op.path)
      } catch {
        path = JSON.stringify(op.path)
      }
      return op.op === 'remove' ? `remove ${path}` : `${op.op} ${path} = ${describeValue(op.value)}`
    })
    .join('\n')
}

/** One line per change, newest first; refused changes show their reason and issues. */
export function TrafficSection({
  entries,
  hidden,
  maxRows,
}: {
  entries: readonly TrafficEntry[]
  hidden: ReadonlySet<ChangeSource>
  maxRows: number
}) {
  const shown: TrafficEntry[] = []
  for (let i = entries.length - 1; i >= 0 && shown.length < maxRows; i--) {
    const e = entries[i]
    if (e && !hidden.has(e.source)) shown.push(e)
  }
  if (shown.length === 0) return <p style={s.muted}>No changes yet.</p>
  return (
    <table style={s.table}>
      <thead>
        <tr style={s.muted}>
          <th style={s.cell}>time</th>
          <th style={s.cell}>dir</th>
          <th style={s.cell}>source</th>
          <th style={s.cell}>origin · seq · ts</th>
          <th style={s.cell}>ops</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((e) => (
          <tr
            key={e.n}
            data-pw-traffic={e.status}
            data-pw-source={e.source}
            style={e.status === 'rejected' ? s.rejected : undefined}
          >
            <td style={s.cell}>{new Date(e.at).toLocaleTimeString([], { hour12: false })}</td>
            <td style={s.cell}>
              {e.direction === 'in' ? '⇣ in' : e.status === 'pushed' ? '⇡ push' : '⇡ out'}
            </td>
            <td style={s.cell}>{e.source}</td>
            <td style={s.cell}>
              {e.origin ?? '–'} · {e.seq ?? '–'} · {e.ts ?? '–'}
              {e.room ? ` · ${e.room}` : ''}
            </td>
            <td style={{ ...s.cell, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {describeOps(e)}
              {e.status === 'rejected' ? (
                <div data-pw-rejection={e.reason}>
                  rejected{e.stage ? ` by ${e.stage}` : ''}: {e.reason}
                  {e.issues?.map((issue, i) => (
                    // Issues have no identity of their own; their order is their identity.
                    // biome-ignore lint/suspicious/noArrayIndexKey: see above
                    <div key={i}>
                      – {issue.path?.length ? `${issue.path.join('.')}: ` : ''}
                      {issue.message}
                    </div>
                  ))}
                </div>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
