import type { Namespace } from 'socket.io'

/** Socket.IO's socket ids (base64id): 20 characters of base64url. */
const SOCKET_ID = /^[A-Za-z0-9_-]{20}$/

/**
 * True when `room` is a connection's own room: Socket.IO puts every socket in
 * a room named after its id, which presence shows to every member of a room.
 * A socket that joined it would send its changes and presence into that
 * connection, which never joined anything by that name. Only names shaped like
 * an id are looked up, on every node the adapter reaches.
 */
export async function isConnectionRoom(nsp: Namespace, room: string): Promise<boolean> {
  if (!SOCKET_ID.test(room)) return false
  if (nsp.sockets.has(room)) return true
  const sockets = await nsp.in(room).fetchSockets()
  return sockets.some((s) => s.id === room)
}
