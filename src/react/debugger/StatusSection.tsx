import type { PatchwireStatusState } from '../../../slices/patchwireSlice'
import * as s from './styles'

const okStates = new Set(['live', 'ready'])

function Row({ label, state, detail }: { label: string; state: string; detail: string }) {
  return (
    <tr data-pw-status={label}>
      <td style={s.cell}>{label}</td>
      <td style={s.cell}>
        <span style={s.badge(okStates.has(state))} data-pw-state={state}>
          {state}
        </span>
      </td>
      <td style={{ ...s.cell, ...s.muted }}>{detail}</td>
    </tr>
  )
}

/** Connection, hydration and stream status, and the counters, from the status slice. */
export function StatusSection({ status }: { status: PatchwireStatusState | undefined }) {
  if (!status) {
    return <p style={s.muted}>No status slice: mount patchwireReducer under "patchwire".</p>
  }
  const rows = [
    ...Object.entries(status.sync).map(([room, t]) => ({
      label: `sync ${room}`,
      state: t.connection,
      detail: `seq ${t.lastSeq} · pending ${t.pending}${t.lagMs === null ? '' : ` · lag ${t.lagMs}ms`}${t.lastError ? ` · ${t.lastError}` : ''}`,
    })),
    ...Object.entries(status.persist).map(([key, p]) => ({
      label: `persist ${key}`,
      state: p.state,
      detail: `${p.lastSavedAt ? `saved ${new Date(p.lastSavedAt).toLocaleTimeString()}` : 'not saved yet'}${p.readOnly ? ' · read-only' : ''}${p.lastError ? ` · ${p.lastError}` : ''}`,
    })),
    ...Object.entries(status.streams).map(([id, st]) => ({
      label: `stream ${id}`,
      state: st.state,
      detail: `cursor ${st.cursor ?? '–'} · ${st.chunksApplied} chunks${st.lastError ? ` · ${st.lastError}` : ''}`,
    })),
  ]
  const c = status.counters
  return (
    <>
      {rows.length === 0 ? (
        <p style={s.muted}>No transport, persisted key or stream reported yet.</p>
      ) : (
        <table style={s.table}>
          <tbody>
            {rows.map((r) => (
              <Row key={r.label} {...r} />
            ))}
          </tbody>
        </table>
      )}
      <p style={s.muted} data-pw-counters="">
        applied {c.applied} · rejected {c.rejected} · stale {c.ignoredStale} · gaps {c.gaps} · parse
        errors {c.parseErrors} · refetches {c.refetches} · skews {c.schemaSkews}
      </p>
    </>
  )
}
