import { useSelector } from 'react-redux'
// Types only: the React entry reads the status slice's shape, never its code.
import type { PatchwireStatusState } from '../../slices/patchwireSlice'
import type { PresencePeer } from '../../slices/presenceStatus'
import { PATCHWIRE_KEY } from '../withPatchwire'

const noPeers: Record<string, PresencePeer> = Object.freeze({}) as Record<string, PresencePeer>

/**
 * Who is in a synced room and what they set with `setPresence`, by
 * connection id (this client's own entry has `self: true`). Re-renders when
 * the room's presence changes; ephemeral, never persisted.
 *
 * @example
 * ```tsx
 * const here = Object.values(usePresence('chat:lobby')).map((p) => (p.value as { name: string }).name)
 * return <p>here: {here.join(', ')}</p>
 * ```
 */
export function usePresence(room: string): Record<string, PresencePeer> {
  return useSelector(
    (s: unknown) =>
      (s as { [PATCHWIRE_KEY]?: PatchwireStatusState })[PATCHWIRE_KEY]?.presence?.[room]?.entries ??
      noPeers,
  )
}
