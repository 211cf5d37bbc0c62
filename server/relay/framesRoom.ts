/**
 * Socket.IO rooms the relay keeps beside each room for the sockets that
 * joined it with `frames: true`, so one emit reaches them (and one, excluding
 * them, reaches the others) on every node the adapter reaches. The prefix
 * starts with a NUL character, which no client names a room with: a join
 * whose room starts with it is refused, so these rooms are never joined,
 * left, shown in presence or counted as rooms by hand.
 */
const PREFIX = '\u0000frames\u0000'

/** The Socket.IO room of `room`'s frame-reading sockets. */
export const framesRoomOf = (room: string): string => `${PREFIX}${room}`

/** True for a name reserved for the relay's frame-reading rooms. */
export const isFramesRoom = (name: string): boolean => name.startsWith(PREFIX)
