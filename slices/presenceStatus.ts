import { PATCHWIRE_KEY } from '../src/withPatchwire'

/** One connection's presence in a room, as the status slice holds it. */
export interface PresencePeer {
  /** The client id it joined the room with. */
  clientId: string
  /** Its principal's id, when the relay binds ids to principals. */
  user?: string
  value: unknown
  /** True for this client's own entry. */
  self: boolean
}

/** Presence of one synced room: everyone's entries (this client's included) and this client's own value. */
export interface PresenceStatus {
  /** By connection id. */
  entries: Record<string, PresencePeer>
  /** What this client set (`null`: nothing). */
  value: unknown
  /** The last refusal of this client's value, or why presence is not available. */
  lastError: string | null
}

const noPeers: Record<string, PresencePeer> = Object.freeze({}) as Record<string, PresencePeer>

/**
 * The presence map of a synced room, by connection id (this client's own
 * entry has `self: true`); an empty object before anything arrived. Lives in
 * the status slice, so persist never stores it.
 *
 * @example
 * ```ts
 * const typing = Object.values(selectPresence(store.getState(), 'chat:lobby'))
 *   .filter((p) => !p.self && (p.value as { typing?: boolean }).typing)
 * ```
 */
export function selectPresence(
  state: unknown,
  room: string,
  statusKey: string = PATCHWIRE_KEY,
): Record<string, PresencePeer> {
  // Only the presence part of the status slice is read (its state type imports this file's).
  const status = (
    state as Record<string, { presence?: Record<string, PresenceStatus> } | undefined> | null
  )?.[statusKey]
  return status?.presence?.[room]?.entries ?? noPeers
}
