import { useSelector } from 'react-redux'
import type { PresencePeer } from '../../slices/presenceStatus'
import { selectStatus } from './statusHooks'

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
  return useSelector((s: unknown) => selectStatus(s)?.presence?.[room]?.entries ?? noPeers)
}
