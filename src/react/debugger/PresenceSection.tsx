import type { PresenceStatus } from '../../../slices/presenceStatus'
import * as s from './styles'

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

/** Per synced room, who is present with what value, and the last refusal of this client's value. */
export function PresenceSection({ presence }: { presence: Record<string, PresenceStatus> }) {
  const rooms = Object.entries(presence)
  if (rooms.length === 0) return <p style={s.muted}>No presence set or received yet.</p>
  return (
    <table style={s.table}>
      <tbody>
        {rooms.flatMap(([room, p]) => [
          <tr key={room} data-pw-presence={room}>
            <td style={s.cell}>{room}</td>
            <td style={s.cell}>{`${Object.keys(p.entries).length} here`}</td>
            <td style={{ ...s.cell, ...s.muted }}>
              {`mine ${describe(p.value)}${p.lastError ? ` · ${p.lastError}` : ''}`}
            </td>
          </tr>,
          ...Object.entries(p.entries).map(([id, peer]) => (
            <tr key={`${room} ${id}`} data-pw-presence-entry={peer.clientId}>
              <td style={{ ...s.cell, ...s.muted }}>{peer.self ? '(me)' : ''}</td>
              <td style={s.cell}>{peer.user ?? peer.clientId}</td>
              <td style={{ ...s.cell, ...s.muted }}>{describe(peer.value)}</td>
            </tr>
          )),
        ])}
      </tbody>
    </table>
  )
}
