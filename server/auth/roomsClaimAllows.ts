import type { RoomAccess } from '../relay/types'

function matches(claim: unknown, room: string): boolean {
  const list = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim : []
  for (const entry of list) {
    if (typeof entry !== 'string') continue
    if (entry === '*' || entry === room) return true
    // `chat:*` grants every room whose name starts with `chat:`.
    if (entry.endsWith('*') && room.startsWith(entry.slice(0, -1))) return true
  }
  return false
}

/**
 * The relay's default `authorize`, reading the room claims of a principal
 * (the JWT claims with `jwtAuth`):
 *
 * - `rooms`: rooms the principal may read and write: a name, `'*'` (every
 *   room), a prefix pattern (`'chat:*'`), or an array of those;
 * - `readRooms`: further rooms it may only read (join, catch up).
 *
 * With no principal at all (no `authenticate` configured) every room is open;
 * a principal without these claims may access nothing.
 *
 * @example
 * ```ts
 * roomsClaimAllows({ rooms: ['chat:*'], readRooms: 'lobby' }, 'lobby', 'write') // false
 * ```
 */
export function roomsClaimAllows(principal: unknown, room: string, access: RoomAccess): boolean {
  if (principal === undefined || principal === null) return true
  if (typeof principal !== 'object') return false
  const { rooms, readRooms } = principal as { rooms?: unknown; readRooms?: unknown }
  if (matches(rooms, room)) return true
  return access === 'read' && matches(readRooms, room)
}
